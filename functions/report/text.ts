/**
 * Terminal text: lines wrapped at word boundaries to a width, with a hanging indent, and colour
 * that is either on (a terminal) or absent altogether (pipes, files, `--json`, `NO_COLOR`).
 */

export type Style = 'bold' | 'red' | 'green' | 'yellow' | 'dim';

/**
 * A run of text in one style (`undefined` is plain). A `keep` segment is never broken inside:
 * it moves to the next line whole (its leading spaces still separate it from what comes before).
 */
export type Segment = { text: string; style?: Style; keep?: boolean };

const SGR: Record<Style, [string, string]> = {
  bold: ['\x1b[1m', '\x1b[22m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  red: ['\x1b[31m', '\x1b[39m'],
  green: ['\x1b[32m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
};

/** Narrower than this and a hanging indent would leave too little room: indent by 4 instead. */
const MIN_TEXT_COLUMNS = 24;

export type TextStyle = {
  /** Columns to fit every line into. */
  width: number;
  /** ANSI colour; when false the output holds no escape sequence at all. */
  color: boolean;
};

const paint = (segment: Segment, color: boolean) => {
  if (!color || !segment.style) return segment.text;
  const [on, off] = SGR[segment.style];
  return `${on}${segment.text}${off}`;
};

/**
 * One logical line laid out in `style.width` columns: `prefix` starts the first line and is never
 * broken; `body` is broken at spaces, each further line starting with `indent` spaces. A word
 * longer than a whole line is the only thing ever cut. No line ends in a space.
 *
 * @example
 * wrap([{ text: '  findings  ' }], [{ text: '11 (too-old 1, exempted 1, foreign-owner 1)' }], 12, { width: 40, color: false });
 * // ['  findings  11 (too-old 1, exempted 1,', '            foreign-owner 1)']
 */
export function wrap(prefix: Segment[], body: Segment[], indent: number, style: TextStyle): string[] {
  const width = Math.max(style.width, 20);
  const hang = width - indent >= MIN_TEXT_COLUMNS ? indent : Math.min(indent, 4);
  const lines: Segment[][] = [];
  let line: Segment[] = prefix.map((s) => ({ ...s }));
  let column = prefix.reduce((n, s) => n + s.text.length, 0);
  // A line that holds only its indent (or an all-blank prefix) takes the next word whatever its length.
  let fresh = prefix.every((s) => s.text.trim() === '');
  let space = '';
  const put = (text: string, wordStyle: Style | undefined) => {
    const last = line.at(-1);
    // Words of one style on one line share one escape sequence pair.
    if (last && last.style === wordStyle) last.text += space + text;
    else line.push({ text: space }, { text, style: wordStyle });
    column += space.length + text.length;
    space = '';
    fresh = false;
  };
  const newLine = () => {
    lines.push(line);
    line = [{ text: ' '.repeat(hang) }];
    column = hang;
    fresh = true;
    space = '';
  };
  for (const segment of body) {
    const parts = segment.keep
      ? (/^( *)(.*)$/s.exec(segment.text)?.slice(1) ?? [])
      : segment.text.split(/( +)/);
    for (const part of parts) {
      if (part === '') continue;
      if (part.startsWith(' ')) {
        space += part;
        continue;
      }
      if (!fresh && column + space.length + part.length > width) newLine();
      let word = part;
      // Only a word wider than a whole line is cut, at the line's end.
      while (column + space.length + word.length > width && width - column - space.length > 0) {
        const room = width - column - space.length;
        put(word.slice(0, room), segment.style);
        word = word.slice(room);
        newLine();
      }
      put(word, segment.style);
    }
  }
  lines.push(line);
  return lines.map((l) =>
    l
      .map((s) => paint(s, style.color))
      .join('')
      .trimEnd(),
  );
}

/** The visible width of a line: escape sequences take no room. */
export function visibleLength(line: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
  return line.replace(/\x1b\[[0-9;]*m/g, '').length;
}
