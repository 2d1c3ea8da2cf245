/**
 * The message CPython's `json.loads` gives for a malformed document ("Expecting value: line 1 column 12
 * (char 11)"), so the Python SDK emulation answers malformed JSON with the same words. A small scanner
 * that follows the order of checks in CPython's `json/decoder.py` and `json/scanner.py`; it returns
 * `undefined` for documents CPython accepts. (CPython also accepts NaN/Infinity; those are not handled.)
 */
export function pythonJsonError(doc: string): string | undefined {
  let pos = 0;
  const ws = () => {
    while (pos < doc.length && ' \t\n\r'.includes(doc[pos]!)) pos++;
  };
  class Fail extends Error {
    constructor(
      readonly msg: string,
      readonly at: number,
    ) {
      super(msg);
    }
  }
  const fail = (msg: string, at = pos): never => {
    throw new Fail(msg, at);
  };

  const string = (): void => {
    const begin = pos - 1; // the opening quote
    while (true) {
      if (pos >= doc.length) fail('Unterminated string starting at', begin);
      const c = doc[pos]!;
      if (c === '"') {
        pos++;
        return;
      }
      if (c === '\\') {
        const e = doc[pos + 1];
        if (e === undefined) fail('Unterminated string starting at', begin);
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(doc.slice(pos + 2, pos + 6))) fail('Invalid \\uXXXX escape', pos + 1);
          pos += 6;
        } else if ('"\\/bfnrt'.includes(e!)) pos += 2;
        else fail('Invalid \\escape', pos);
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('Invalid control character at', pos);
      pos++;
    }
  };

  const value = (): void => {
    const c = doc[pos];
    if (c === '"') {
      pos++;
      string();
    } else if (c === '{') {
      pos++;
      object();
    } else if (c === '[') {
      pos++;
      array();
    } else if (doc.startsWith('null', pos)) pos += 4;
    else if (doc.startsWith('true', pos)) pos += 4;
    else if (doc.startsWith('false', pos)) pos += 5;
    else {
      const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(doc.slice(pos));
      if (!m) fail('Expecting value');
      pos += m![0].length;
    }
  };

  const object = (): void => {
    ws();
    if (doc[pos] === '}') {
      pos++;
      return;
    }
    if (doc[pos] !== '"') fail('Expecting property name enclosed in double quotes');
    while (true) {
      pos++;
      string();
      ws();
      if (doc[pos] !== ':') fail("Expecting ':' delimiter");
      pos++;
      ws();
      value();
      ws();
      if (doc[pos] === '}') {
        pos++;
        return;
      }
      if (doc[pos] !== ',') fail("Expecting ',' delimiter");
      pos++;
      ws();
      if (doc[pos] !== '"') fail('Expecting property name enclosed in double quotes');
    }
  };

  const array = (): void => {
    ws();
    if (doc[pos] === ']') {
      pos++;
      return;
    }
    while (true) {
      value();
      ws();
      if (doc[pos] === ']') {
        pos++;
        return;
      }
      if (doc[pos] !== ',') fail("Expecting ',' delimiter");
      pos++;
      ws();
    }
  };

  try {
    ws();
    value();
    ws();
    if (pos !== doc.length) fail('Extra data');
    return undefined;
  } catch (err) {
    if (!(err instanceof Fail)) throw err;
    const lineno = doc.slice(0, err.at).split('\n').length;
    const colno = err.at - doc.lastIndexOf('\n', err.at - 1);
    return `${err.msg}: line ${lineno} column ${colno} (char ${err.at})`;
  }
}
