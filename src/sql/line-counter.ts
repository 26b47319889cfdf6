/**
 * Returns a function giving the 1-based line of an offset. Calls with increasing offsets cost
 * linear time in total; a smaller offset restarts from the top.
 */
export function lineCounter(text: string): (offset: number) => number {
  let pos = 0;
  let line = 1;
  return (offset: number): number => {
    if (offset < pos) {
      pos = 0;
      line = 1;
    }
    let i = text.indexOf("\n", pos);
    while (i !== -1 && i < offset) {
      line++;
      i = text.indexOf("\n", i + 1);
    }
    pos = offset;
    return line;
  };
}

/** 1-based line of a 0-based offset in `text` (lines end at `\n`; `\r\n` counts once). */
export function lineAt(text: string, offset: number): number {
  const limit = Math.min(Math.max(offset, 0), text.length);
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < limit; i = text.indexOf("\n", i + 1)) line++;
  return line;
}
