/**
 * Splits text into phrases for captions: at sentence ends, then at clause punctuation when a
 * sentence is long, then every MAX_WORDS words. Each phrase is spoken separately, which gives its
 * exact timing without any alignment step.
 */
export const MAX_WORDS = 12;

function splitWords(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i += MAX_WORDS) out.push(words.slice(i, i + MAX_WORDS).join(' '));
  return out;
}

export function splitPhrases(text: string): string[] {
  const normalised = text.replace(/\s+/g, ' ').trim();
  if (!normalised) return [];
  const sentences = normalised.match(/[^.!?…]+(?:[.!?…]+["')\]]*|$)/g) ?? [normalised];
  const phrases: string[] = [];
  for (const sentence of sentences.map((s) => s.trim()).filter(Boolean)) {
    const words = sentence.split(' ');
    if (words.length <= MAX_WORDS) {
      phrases.push(sentence);
      continue;
    }
    const clauses = sentence.match(/[^,;:—–]+(?:[,;:—–]+|$)/g) ?? [sentence];
    let current: string[] = [];
    for (const clause of clauses.map((c) => c.trim()).filter(Boolean)) {
      const clauseWords = clause.split(' ');
      if (current.length + clauseWords.length > MAX_WORDS && current.length > 0) {
        phrases.push(current.join(' '));
        current = [];
      }
      if (clauseWords.length > MAX_WORDS) phrases.push(...splitWords(clauseWords));
      else current.push(...clauseWords);
    }
    if (current.length) phrases.push(current.join(' '));
  }
  return phrases;
}
