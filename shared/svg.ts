/**
 * SVG logo checks, run by the Worker on upload and again by the processor before it rasterises one,
 * so neither trusts the other (or a content type). One forward pass over the text, bounded by the
 * caller's size cap: no DOM, no regular expressions, every search moves on from where the last one
 * stopped. The rules keep a logo a static picture that reads nothing but itself:
 * - UTF-8, well-formed enough (one `<svg>` root in the SVG namespace, tags closed in order, nesting
 *   bounded); no DOCTYPE or ENTITY declarations (entity expansion), no processing instructions
 *   other than the XML declaration (`<?xml-stylesheet?>` loads a file).
 * - No `script` or `foreignObject` elements, no HTML namespace, no event-handler attributes (`on…`),
 *   no animation of a link.
 * - Every `href` (`xlink:href`, any prefix) and every CSS `url(…)`, in attributes and in text such as
 *   `<style>`, is a local `#fragment` or a `data:image/png` / `data:image/jpeg` URI; no `@import`,
 *   no `image-set()`, and no backslashes in attributes or styles (CSS escapes could spell `url(`).
 * Character references (`&#x75;`) are decoded before any of these checks, as a parser would, and an
 * element's text is checked whole (joined across comments, CDATA sections and child elements).
 */

export const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';
const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';
/** Deeper nesting is refused (real logos nest a few groups; a parser's stack is not ours to fill). */
export const MAX_SVG_DEPTH = 128;
/** Larger intrinsic sizes (CSS pixels) are refused; the processor renders at the size a render asks. */
const MAX_INTRINSIC_SIZE = 1_000_000;

export type SvgCheck = { ok: true; width: number; height: number } | { ok: false; problem: string };

class SvgProblem extends Error {}
function fail(problem: string): never {
  throw new SvgProblem(problem);
}

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

const every = (text: string, allowed: (c: string) => boolean) => {
  for (const c of text) if (!allowed(c)) return false;
  return true;
};
const isDigit = (c: string) => c >= '0' && c <= '9';
const isHexDigit = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
const REFERENCE_RULE = 'only #fragment and data:image/png or data:image/jpeg references are accepted';

/** Strips ASCII whitespace from both ends (what browsers do to a URL before reading it). */
function trimSpace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value[start])) start++;
  while (end > start && isSpace(value[end - 1])) end--;
  return value.slice(start, end);
}

/** Text with XML references replaced: the five predefined entities and character references only. */
function decodeReferences(raw: string, where: string): string {
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    const semi = raw.indexOf(';', amp);
    // References are short; a long run to the next `;` means a bare `&`, which XML refuses.
    if (semi < 0 || semi - amp > 12) fail(`${where}: a "&" that does not start a reference`);
    const name = raw.slice(amp + 1, semi);
    let decoded: string;
    if (name.startsWith('#')) {
      const hex = name[1] === 'x';
      const digits = name.slice(hex ? 2 : 1);
      const code = digits.length > 0 ? Number.parseInt(digits, hex ? 16 : 10) : Number.NaN;
      const digitsOnly = digits.length > 0 && every(digits, hex ? isHexDigit : isDigit);
      if (!digitsOnly || !(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
        fail(`${where}: an invalid character reference &${name};`);
      }
      decoded = String.fromCodePoint(code);
    } else {
      const known = PREDEFINED_ENTITIES[name];
      if (known === undefined) fail(`${where}: the entity &${name}; is not defined (only XML's five are accepted)`);
      decoded = known!;
    }
    out += raw.slice(from, amp) + decoded;
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

/** Embedded images are decoded by the rasteriser: each side and their total area are bounded. */
export const MAX_EMBEDDED_SIDE = 2048;
const MAX_EMBEDDED_PIXELS = 2 * MAX_EMBEDDED_SIDE * MAX_EMBEDDED_SIDE;

/** Width and height from a PNG's IHDR or a JPEG's first SOF marker; null when neither is found. */
function embeddedImageSize(bytes: Uint8Array, type: 'png' | 'jpeg'): { width: number; height: number } | null {
  const u16 = (at: number) => (bytes[at]! << 8) | bytes[at + 1]!;
  const u32 = (at: number) => u16(at) * 65536 + u16(at + 2);
  if (type === 'png') {
    const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    if (bytes.length < 24 || signature.some((b, k) => bytes[k] !== b)) return null;
    return { width: u32(16), height: u32(20) };
  }
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: u16(at + 7), height: u16(at + 5) };
    }
    at += 2 + u16(at + 2);
  }
  return null;
}

/** Accumulates the area of the images a logo embeds, refusing what a rasteriser should not decode. */
class EmbeddedImages {
  private pixels = 0;

  check(url: string, where: string): void {
    const comma = url.indexOf(',');
    const header = (comma < 0 ? url : url.slice(0, comma)).toLowerCase();
    const type = header.startsWith('data:image/png') ? 'png' : 'jpeg';
    if (comma < 0 || !header.startsWith(`data:image/${type};`) || !header.endsWith(';base64')) {
      fail(`${where}: an embedded image must be base64 (data:image/${type};base64,…)`);
    }
    let payload = '';
    for (const c of url.slice(comma + 1)) if (!isSpace(c)) payload += c;
    let bytes: Uint8Array;
    try {
      const binary = atob(payload);
      bytes = new Uint8Array(binary.length);
      for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
    } catch {
      fail(`${where}: an embedded image is not valid base64`);
    }
    const size = embeddedImageSize(bytes, type);
    if (!size || size.width === 0 || size.height === 0)
      fail(`${where}: an embedded image is not a ${type.toUpperCase()}`);
    if (size!.width > MAX_EMBEDDED_SIDE || size!.height > MAX_EMBEDDED_SIDE) {
      fail(`${where}: an embedded image is larger than ${MAX_EMBEDDED_SIDE} pixels on a side`);
    }
    this.pixels += size!.width * size!.height;
    if (this.pixels > MAX_EMBEDDED_PIXELS) fail('the embedded images are larger than allowed altogether');
  }
}

/**
 * A reference that stays inside the file: `#id`, empty, or an embedded PNG/JPEG (checked and
 * counted); anything else fails with `where` in the message.
 */
function checkReference(value: string, where: string, images: EmbeddedImages): void {
  const url = trimSpace(value);
  const lower = url.toLowerCase();
  if (url === '' || url.startsWith('#')) return;
  if (lower.startsWith('data:image/png') || lower.startsWith('data:image/jpeg')) images.check(url, where);
  else fail(`${where} points outside the file (${url.slice(0, 60)}): ${REFERENCE_RULE}`);
}

/** CSS-like text (attribute values, `<style>`, any text): every url(…) local, no @import, no image-set(). */
function checkCss(text: string, where: string, allowBackslash: boolean, images: EmbeddedImages): void {
  if (!allowBackslash && text.includes('\\'))
    fail(`${where}: backslash escapes are not accepted in attributes or styles`);
  const lower = text.toLowerCase();
  if (lower.includes('@import')) fail(`${where}: @import is not accepted (it loads another file)`);
  if (lower.includes('image-set(')) fail(`${where}: image-set() is not accepted (it loads another file)`);
  let at = lower.indexOf('url(');
  while (at >= 0) {
    let start = at + 4;
    while (isSpace(text[start])) start++;
    const quote = text[start] === '"' || text[start] === "'" ? text[start]! : null;
    const end = quote ? text.indexOf(quote, start + 1) : text.indexOf(')', start);
    if (end < 0) fail(`${where}: an unterminated url(`);
    checkReference(text.slice(quote ? start + 1 : start, end), `${where}: url()`, images);
    at = lower.indexOf('url(', end + 1);
  }
}

/** CSS pixels of an absolute length (`12`, `12px`, `10mm`, …); null for %, em and other relative units. */
function absoluteLength(value: string | undefined): number | null {
  if (value === undefined) return null;
  const v = trimSpace(value).toLowerCase();
  const units: Record<string, number> = { px: 1, pt: 4 / 3, pc: 16, in: 96, cm: 96 / 2.54, mm: 96 / 25.4 };
  let factor = 1;
  let number = v;
  for (const [unit, perUnit] of Object.entries(units)) {
    if (v.endsWith(unit)) {
      factor = perUnit;
      number = v.slice(0, -unit.length);
      break;
    }
  }
  if (number === '' || !every(number, (c) => isDigit(c) || c === '.' || c === 'e' || c === '+' || c === '-'))
    return null;
  const parsed = Number(number) * factor;
  return Number.isFinite(parsed) && parsed > 0 ? parsed : null;
}

/** Width and height of a `viewBox` ("min-x min-y width height"), or null. */
function viewBoxSize(value: string | undefined): { width: number; height: number } | null {
  if (value === undefined) return null;
  const parts = value
    .replaceAll(',', ' ')
    .split(' ')
    .flatMap((p) => (trimSpace(p) === '' ? [] : [trimSpace(p)]));
  if (parts.length !== 4) return null;
  const [width, height] = [Number(parts[2]), Number(parts[3])];
  return Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0 ? { width, height } : null;
}

/** The picture's intrinsic size as a renderer reads it: width/height, else the viewBox (ratio kept). */
function intrinsicSize(attributes: Map<string, string>): { width: number; height: number } {
  const width = absoluteLength(attributes.get('width'));
  const height = absoluteLength(attributes.get('height'));
  const box = viewBoxSize(attributes.get('viewBox'));
  let size: { width: number; height: number } | null = null;
  if (width && height) size = { width, height };
  else if (box && width) size = { width, height: (width * box.height) / box.width };
  else if (box && height) size = { width: (height * box.width) / box.height, height };
  else if (box) size = box;
  if (!size) fail('the root <svg> needs a viewBox or an absolute width and height (to know its proportions)');
  if (size!.width > MAX_INTRINSIC_SIZE || size!.height > MAX_INTRINSIC_SIZE)
    fail('the SVG declares an unreasonable size');
  return { width: Math.max(1, Math.round(size!.width)), height: Math.max(1, Math.round(size!.height)) };
}

const localName = (name: string) => name.slice(name.lastIndexOf(':') + 1).toLowerCase();

/** Reads a name (element or attribute) from `at`; returns it and where it ends. */
function readName(s: string, at: number): [string, number] {
  let end = at;
  while (end < s.length) {
    const c = s[end]!;
    if (isSpace(c) || c === '/' || c === '>' || c === '=' || c === '<' || c === '"' || c === "'") break;
    end++;
  }
  return [s.slice(at, end), end];
}

function skipSpace(s: string, at: number): number {
  while (isSpace(s[at])) at++;
  return at;
}

/** One start tag's attributes (raw names → decoded values) from `at`; returns them and the index after `>`. */
function readAttributes(
  s: string,
  at: number,
  tag: string,
): { attributes: Map<string, string>; end: number; selfClosing: boolean } {
  const attributes = new Map<string, string>();
  let i = at;
  for (;;) {
    const before = i;
    i = skipSpace(s, i);
    if (i >= s.length) fail(`<${tag}> is not closed with ">"`);
    if (s[i] === '>') return { attributes, end: i + 1, selfClosing: false };
    if (s.startsWith('/>', i)) return { attributes, end: i + 2, selfClosing: true };
    if (i === before) fail(`<${tag}>: attributes must be separated by spaces`);
    const [name, afterName] = readName(s, i);
    if (name === '') fail(`<${tag}>: unexpected "${s[i]}" in the tag`);
    i = skipSpace(s, afterName);
    if (s[i] !== '=') fail(`<${tag}>: the attribute ${name} has no value`);
    i = skipSpace(s, i + 1);
    const quote = s[i];
    if (quote !== '"' && quote !== "'") fail(`<${tag}>: the value of ${name} is not quoted`);
    const close = s.indexOf(quote!, i + 1);
    if (close < 0) fail(`<${tag}>: the value of ${name} is not closed`);
    const raw = s.slice(i + 1, close);
    if (raw.includes('<')) fail(`<${tag}>: "<" in the value of ${name}`);
    if (attributes.has(name)) fail(`<${tag}>: the attribute ${name} is given twice`);
    attributes.set(name, decodeReferences(raw, `<${tag} ${name}>`));
    i = close + 1;
  }
}

/** The rules for one element and its attributes (see the module comment). */
function checkElement(tag: string, attributes: Map<string, string>, images: EmbeddedImages): void {
  const local = localName(tag);
  if (local === 'script') fail('<script> is not accepted in a logo');
  if (local === 'foreignobject') fail('<foreignObject> is not accepted in a logo');
  for (const [name, value] of attributes) {
    const attr = localName(name);
    const where = `<${tag} ${name}>`;
    if (attr.startsWith('on')) fail(`${where}: event handler attributes are not accepted`);
    if ((name === 'xmlns' || name.startsWith('xmlns:')) && trimSpace(value) === XHTML_NAMESPACE) {
      fail(`${where}: HTML content is not accepted in a logo`);
    }
    if (attr === 'href') checkReference(value, where, images);
    else checkCss(value, where, false, images);
    if (
      (local === 'set' || local === 'animate') &&
      attr === 'attributename' &&
      localName(trimSpace(value)) === 'href'
    ) {
      fail(`<${tag}>: animating a link is not accepted`);
    }
  }
}

/** Reads the XML declaration's encoding: absent or UTF-8 only (what this check decoded). */
function checkDeclaration(body: string): void {
  const at = body.indexOf('encoding');
  if (at < 0) return;
  const eq = skipSpace(body, at + 'encoding'.length);
  const start = skipSpace(body, eq + 1);
  const quote = body[start];
  const end = quote === '"' || quote === "'" ? body.indexOf(quote, start + 1) : -1;
  const encoding = end > 0 ? body.slice(start + 1, end).toLowerCase() : '';
  if (encoding !== 'utf-8' && encoding !== 'utf8')
    fail('the SVG must be UTF-8 (its XML declaration names another encoding)');
}

/** An open element and its own text so far (text, references decoded, and CDATA, across comments and children). */
interface Open {
  name: string;
  text: string[];
}

/**
 * Checks an element's text as one string when it closes: a `<style>`'s CSS is all its child text
 * together, so `u<!---->rl(` or `u<x/>rl(` must be read as `url(`.
 */
function checkText(element: Open, images: EmbeddedImages): void {
  if (element.text.length === 0) return;
  const style = localName(element.name) === 'style';
  checkCss(element.text.join(''), `<${element.name}> text`, !style, images);
}

function walk(s: string): { width: number; height: number } {
  const stack: Open[] = [];
  const images = new EmbeddedImages();
  let size: { width: number; height: number } | null = null;
  let rootDone = false;
  let i = 0;
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const text = s.slice(i, lt < 0 ? s.length : lt);
    if (stack.length === 0) {
      if (trimSpace(text) !== '') fail('text outside the <svg> element');
    } else if (text !== '') {
      const top = stack[stack.length - 1]!;
      top.text.push(decodeReferences(text, `<${top.name}> text`));
    }
    if (lt < 0) break;
    i = lt;
    if (s.startsWith('<!--', i)) {
      const end = s.indexOf('-->', i + 4);
      if (end < 0) fail('an unterminated comment');
      i = end + 3;
    } else if (s.startsWith('<![CDATA[', i)) {
      const end = s.indexOf(']]>', i + 9);
      if (end < 0 || stack.length === 0) fail('a CDATA section outside an element or not closed');
      stack[stack.length - 1]!.text.push(s.slice(i + 9, end));
      i = end + 3;
    } else if (s.startsWith('<!', i)) {
      fail('DOCTYPE and ENTITY declarations are not accepted');
    } else if (s.startsWith('<?', i)) {
      const end = s.indexOf('?>', i + 2);
      if (end < 0) fail('an unterminated processing instruction');
      const [target] = readName(s, i + 2);
      if (target.toLowerCase() !== 'xml' || i !== 0) {
        fail(`processing instructions (<?${target.slice(0, 40)} …?>) are not accepted`);
      }
      checkDeclaration(s.slice(i + 2 + target.length, end));
      i = end + 2;
    } else if (s.startsWith('</', i)) {
      const [name, afterName] = readName(s, i + 2);
      const close = skipSpace(s, afterName);
      if (s[close] !== '>') fail(`</${name}> is not closed with ">"`);
      const open = stack.pop();
      if (open?.name !== name) fail(open ? `</${name}> closes <${open.name}>` : `</${name}> closes nothing`);
      checkText(open!, images);
      if (stack.length === 0) rootDone = true;
      i = close + 1;
    } else {
      const [name, afterName] = readName(s, i + 1);
      if (name === '') fail('a "<" that does not start a tag');
      const { attributes, end, selfClosing } = readAttributes(s, afterName, name);
      if (stack.length === 0) {
        if (rootDone) fail('more than one root element');
        const prefix = name.includes(':') ? name.slice(0, name.indexOf(':')) : null;
        const namespace = attributes.get(prefix ? `xmlns:${prefix}` : 'xmlns');
        if (localName(name) !== 'svg' || trimSpace(namespace ?? '') !== SVG_NAMESPACE) {
          fail(`the root element must be <svg xmlns="${SVG_NAMESPACE}">`);
        }
        size = intrinsicSize(attributes);
      }
      checkElement(name, attributes, images);
      if (selfClosing) {
        if (stack.length === 0) rootDone = true;
      } else {
        if (stack.length >= MAX_SVG_DEPTH) fail(`elements are nested deeper than ${MAX_SVG_DEPTH}`);
        stack.push({ name, text: [] });
      }
      i = end;
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!size) fail('there is no <svg> element');
  return size!;
}

/**
 * Whether `bytes` are an SVG logo this project accepts, with its intrinsic size (rounded CSS pixels),
 * or the first problem found, phrased for the uploader. The caller bounds the size first.
 */
export function checkSvgLogo(bytes: Uint8Array): SvgCheck {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { ok: false, problem: 'the SVG is not UTF-8 text' };
  }
  if (text.includes('\u0000')) return { ok: false, problem: 'the SVG contains NUL characters' };
  try {
    return { ok: true, ...walk(text) };
  } catch (error) {
    if (error instanceof SvgProblem) return { ok: false, problem: error.message };
    throw error;
  }
}
