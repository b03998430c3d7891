import { describe, expect, it } from 'vitest';
import { checkDeclaredVideo, sniffVideoContainer } from '../../src/core/sniff.ts';

const bytes = (...parts: (string | number[])[]) => {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0));
    else out.push(...p);
  }
  return new Uint8Array(out);
};

const mp4 = bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0], 'isomiso2', [0, 0, 0, 8], 'free');
const mov = bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0], 'qt  ', [0, 0, 0, 8], 'wide');
const oldMov = bytes([0, 0, 0, 8], 'wide', [0, 0, 0x10, 0], 'mdat');
const webm = bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm', [0x42, 0x87]);
const mkv = bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88], 'matroska');
const avi = bytes('RIFF', [0, 0x10, 0, 0], 'AVI LIST');
function ts(packetSize: 188 | 192, packets = 4) {
  const b = new Uint8Array(packetSize * packets);
  for (let i = 0; i < packets; i++) b[i * packetSize + (packetSize === 192 ? 4 : 0)] = 0x47;
  return b;
}

describe('sniffVideoContainer', () => {
  it('recognises each supported container', () => {
    expect(sniffVideoContainer(mp4)).toMatchObject({ family: 'isobmff', contentType: 'video/mp4' });
    expect(sniffVideoContainer(mov)).toMatchObject({ family: 'isobmff', contentType: 'video/quicktime' });
    expect(sniffVideoContainer(oldMov)).toMatchObject({ family: 'isobmff', contentType: 'video/quicktime' });
    expect(sniffVideoContainer(webm)).toMatchObject({ family: 'ebml', contentType: 'video/webm' });
    expect(sniffVideoContainer(mkv)).toMatchObject({ family: 'ebml', contentType: 'video/x-matroska' });
    expect(sniffVideoContainer(avi)).toMatchObject({ family: 'avi' });
    expect(sniffVideoContainer(ts(188))).toMatchObject({ family: 'mpegts' });
    expect(sniffVideoContainer(ts(192))).toMatchObject({ family: 'mpegts' });
  });

  it('rejects text, images, audio and truncated headers', () => {
    expect(sniffVideoContainer(new TextEncoder().encode('hello, this is a text file renamed to .mp4\n'))).toBeNull();
    expect(sniffVideoContainer(bytes([0x89], 'PNG', [13, 10, 26, 10]))).toBeNull();
    expect(sniffVideoContainer(bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '))).toBeNull();
    expect(sniffVideoContainer(bytes('ID3', [4, 0, 0, 0, 0, 0, 0]))).toBeNull();
    expect(sniffVideoContainer(mp4.subarray(0, 6))).toBeNull();
    expect(sniffVideoContainer(new Uint8Array(0))).toBeNull();
    // One sync byte followed by non-sync packets is not a transport stream.
    const fake = ts(188, 4);
    fake[188] = 0;
    expect(sniffVideoContainer(fake)).toBeNull();
  });
});

describe('checkDeclaredVideo', () => {
  it('accepts a type of the same family and refuses another family', () => {
    expect(checkDeclaredVideo(mov, 'video/mp4').ok).toBe(true);
    expect(checkDeclaredVideo(mkv, 'video/webm').ok).toBe(true);
    const wrong = checkDeclaredVideo(mp4, 'video/webm');
    expect(wrong).toMatchObject({ ok: false });
    expect(!wrong.ok && wrong.message).toContain('declared as video/webm but its content is MP4');
  });
});
