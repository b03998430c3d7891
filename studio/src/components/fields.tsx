/** Form and list pieces the screens share: labelled fields, a seconds field fed by the playhead, tables, paging. */
import type { InputHTMLAttributes, ReactNode } from 'react';
import { useId } from 'react';

/** A labelled input; the label's text is the control's accessible name. */
export function Field({ label, ...input }: { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} />
    </div>
  );
}

/** A labelled input whose text goes straight to `onValue` (a state setter): the settings forms' field. */
export function ValueField({
  onValue,
  ...field
}: { label: string; value: string; onValue: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>) {
  return <Field {...field} onChange={(e) => onValue(e.target.value)} />;
}

/** Seconds (decimals allowed) with a button that takes the player's current time. */
export function SecondsField({
  label,
  value,
  onChange,
  button,
  playhead,
  max,
  describedBy,
}: {
  label: string;
  value: string | number;
  onChange: (value: string) => void;
  button: string;
  playhead: () => number;
  max?: number;
  describedBy?: string;
}) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        step="any"
        min={0}
        max={max}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={describedBy}
      />
      <button
        type="button"
        className="secondary"
        onClick={() => onChange(String(Math.round(playhead() * 1000) / 1000))}
      >
        {button}
      </button>
    </>
  );
}

export function DataTable({ columns, children }: { columns: string[]; children: ReactNode }) {
  return (
    <table className="table">
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** "Load more" for a cursor-paged list (a React Query infinite query). */
export function LoadMore({
  list,
}: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  if (!list.hasNextPage) return null;
  return (
    <button type="button" className="secondary" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
      Load more
    </button>
  );
}
