/**
 * The active profile's brand kit (docs/api.md#brand-kits): the PNG or SVG logo every render overlays, where
 * and how large, and the intro/outro joined around every render. Shown on the profiles screen.
 */
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { profiles as profilesApi } from '../api/endpoints.ts';
import type { BrandKit, LogoPosition, Profile } from '../api/types.ts';
import { ErrorText } from '../components/feedback.tsx';
import { Field, ValueField } from '../components/fields.tsx';

const POSITIONS: LogoPosition[] = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];
const percent = (fraction: number) => String(Math.round(fraction * 1000) / 10);
const orNull = (value: string) => (value.trim() === '' ? null : value.trim());

export function BrandKitCard({ profile }: { profile: Profile }) {
  const loaded = useQuery({ queryKey: ['brand-kit', profile.id], queryFn: () => profilesApi.brandKit(profile.id) });
  if (loaded.isPending) return null;
  if (loaded.isError) return <ErrorText error={loaded.error} />;
  return <BrandKitForm profile={profile} initial={loaded.data} />;
}

function BrandKitForm({ profile, initial }: { profile: Profile; initial: BrandKit | null }) {
  const [kit, setKit] = useState<BrandKit | null>(initial);
  const [position, setPosition] = useState<LogoPosition>(initial?.logo_position ?? 'bottom-right');
  const [opacity, setOpacity] = useState(percent(initial?.logo_opacity ?? 1));
  const [margin, setMargin] = useState(percent(initial?.logo_margin ?? 0.03));
  const [scale, setScale] = useState(percent(initial?.logo_scale ?? 0.15));
  const [intro, setIntro] = useState(initial?.intro_id ?? '');
  const [outro, setOutro] = useState(initial?.outro_id ?? '');
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>(null);

  const show = (next: BrandKit | null) => {
    setKit(next);
    if (!next) return;
    setPosition(next.logo_position);
    setOpacity(percent(next.logo_opacity));
    setMargin(percent(next.logo_margin));
    setScale(percent(next.logo_scale));
    setIntro(next.intro_id ?? '');
    setOutro(next.outro_id ?? '');
  };

  const act = async (work: () => Promise<BrandKit | null>, done: string) => {
    setError(null);
    setStatus('');
    try {
      show(await work());
      setStatus(done);
    } catch (err) {
      setError(err);
    }
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    return act(
      () =>
        profilesApi.saveBrandKit(profile.id, {
          logo_position: position,
          logo_opacity: Number(opacity) / 100,
          logo_margin: Number(margin) / 100,
          logo_scale: Number(scale) / 100,
          subtitle_settings: kit?.subtitle_settings ?? null,
          intro_id: orNull(intro),
          outro_id: orNull(outro),
        }),
      'Brand kit saved.',
    );
  };
  const upload = (file: File | undefined) => {
    if (file) void act(() => profilesApi.uploadBrandLogo(profile.id, file), 'Logo uploaded.');
  };

  return (
    <section className="card" aria-label="Brand kit">
      <h2>Brand kit of “{profile.name}”</h2>
      <p>Added to every render of this profile, in the same encode.</p>
      {kit?.logo ? (
        <p>
          <img src={kit.logo.url} alt="Logo" style={{ maxHeight: 64, background: '#444' }} /> {kit.logo.width}×
          {kit.logo.height}{' '}
          <button
            type="button"
            className="secondary"
            onClick={() => act(() => profilesApi.removeBrandLogo(profile.id), 'Logo removed.')}
          >
            Remove logo
          </button>
        </p>
      ) : null}
      <Field
        label="Logo (PNG, at most 2 MiB and 2048 px; or SVG, at most 512 KiB, no scripts or external links)"
        type="file"
        accept="image/png,image/svg+xml,.png,.svg"
        onChange={(e) => upload(e.target.files?.[0])}
      />
      <form className="inline-form" onSubmit={save}>
        <div>
          <label htmlFor="brand-position">Corner</label>
          <select id="brand-position" value={position} onChange={(e) => setPosition(e.target.value as LogoPosition)}>
            {POSITIONS.map((p) => (
              <option key={p} value={p}>
                {p.replace('-', ' ')}
              </option>
            ))}
          </select>
        </div>
        <ValueField label="Opacity (%)" type="number" min={0} max={100} value={opacity} onValue={setOpacity} />
        <ValueField
          label="Margin (% of width)"
          type="number"
          min={0}
          max={25}
          step={0.5}
          value={margin}
          onValue={setMargin}
        />
        <ValueField label="Logo width (% of width)" type="number" min={2} max={100} value={scale} onValue={setScale} />
        <ValueField label="Intro (clip or video id)" value={intro} onValue={setIntro} placeholder="none" />
        <ValueField label="Outro (clip or video id)" value={outro} onValue={setOutro} placeholder="none" />
        <button type="submit">Save brand kit</button>
      </form>
      {status ? <p role="status">{status}</p> : null}
      <ErrorText error={error} />
    </section>
  );
}
