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
