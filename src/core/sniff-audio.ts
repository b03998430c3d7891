/**
 * Magic-byte sniffing of audio files (voice-overs, music) uploaded to job routes: MP3 (ID3 tag or
 * an MPEG audio frame header), AAC in ADTS, WAV, Ogg, FLAC, and MP4/M4A (`ftyp`). Video containers
 * are accepted too, since their audio track can serve as a voice-over.
 */
import { ascii, sniffVideoContainer } from './sniff.ts';

export interface SniffedAudio {
  contentType: string;
  label: string;
}

export function sniffAudio(b: Uint8Array): SniffedAudio | null {
  if (b.length >= 3 && ascii(b, 0, 3) === 'ID3') return { contentType: 'audio/mpeg', label: 'MP3' };
  if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xf6) === 0xf0)
    return { contentType: 'audio/aac', label: 'AAC (ADTS)' };
  // MPEG audio frame sync: 11 set bits, a valid version and layer.
  if (
    b.length >= 2 &&
    b[0] === 0xff &&
    (b[1]! & 0xe0) === 0xe0 &&
    ((b[1]! >> 3) & 3) !== 1 &&
    ((b[1]! >> 1) & 3) !== 0
  ) {
    return { contentType: 'audio/mpeg', label: 'MP3' };
  }
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE')
    return { contentType: 'audio/wav', label: 'WAV' };
  if (b.length >= 4 && ascii(b, 0, 4) === 'OggS') return { contentType: 'audio/ogg', label: 'Ogg' };
  if (b.length >= 4 && ascii(b, 0, 4) === 'fLaC') return { contentType: 'audio/flac', label: 'FLAC' };
  const video = sniffVideoContainer(b);
  if (video) return { contentType: video.family === 'isobmff' ? 'audio/mp4' : video.contentType, label: video.label };
  return null;
}
