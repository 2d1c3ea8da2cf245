import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pythonJsonError } from '../../src/lab/python-json.js';

// What CPython 3.11's json.loads raises for each document (str(JSONDecodeError)); undefined = accepted.
const CPYTHON: [string, string | undefined][] = [
  ['{"jsonrpc":', 'Expecting value: line 1 column 12 (char 11)'],
  ['', 'Expecting value: line 1 column 1 (char 0)'],
  ['{bad}', 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
  ['{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"],
  ['{"a":1 "b":2}', "Expecting ',' delimiter: line 1 column 8 (char 7)"],
  ['[1,2', "Expecting ',' delimiter: line 1 column 5 (char 4)"],
  ['{"a":1}x', 'Extra data: line 1 column 8 (char 7)'],
  ['"abc', 'Unterminated string starting at: line 1 column 1 (char 0)'],
  ['{"a":\n}', 'Expecting value: line 2 column 1 (char 6)'],
  ['{"a":1,}', 'Expecting property name enclosed in double quotes: line 1 column 8 (char 7)'],
  ['[1,]', 'Expecting value: line 1 column 4 (char 3)'],
  ['{"a":"\\x"}', 'Invalid \\escape: line 1 column 7 (char 6)'],
  ['{"a":"\\u12"}', 'Invalid \\uXXXX escape: line 1 column 8 (char 7)'],
  ['{"a":"b\u0001"}', 'Invalid control character at: line 1 column 8 (char 7)'],
  ['-', 'Expecting value: line 1 column 1 (char 0)'],
  ['01', 'Extra data: line 1 column 2 (char 1)'],
  [' \n {"a": [tru]}', 'Expecting value: line 2 column 9 (char 10)'],
  ['{"a":1, 2}', 'Expecting property name enclosed in double quotes: line 1 column 9 (char 8)'],
  ['nul', 'Expecting value: line 1 column 1 (char 0)'],
  ['{"a": 1.}', "Expecting ',' delimiter: line 1 column 8 (char 7)"],
  ['{"a": 1e}', "Expecting ',' delimiter: line 1 column 8 (char 7)"],
  ['"\\', 'Unterminated string starting at: line 1 column 1 (char 0)'],
  ['{"jsonrpc":"2.0","id":1,"method":"x"}', undefined],
  ['[]', undefined],
  [' {} ', undefined],
  ['{"a":[1,{"b":null}]}', undefined],
  ['-0.5e+3', undefined],
  ['{"a"', "Expecting ':' delimiter: line 1 column 5 (char 4)"],
  ['{', 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
  ['[', 'Expecting value: line 1 column 2 (char 1)'],
  ['{"a":1', "Expecting ',' delimiter: line 1 column 7 (char 6)"],
  ['"a\\"', 'Unterminated string starting at: line 1 column 1 (char 0)'],
  ['truex', 'Extra data: line 1 column 5 (char 4)'],
  ['[1 2]', "Expecting ',' delimiter: line 1 column 4 (char 3)"],
  ['{"a":1}\n\n}', 'Extra data: line 3 column 1 (char 9)'],
];

describe('pythonJsonError', () => {
  it('gives CPython json.loads error messages, and accepts what CPython accepts', () => {
    for (const [doc, expected] of CPYTHON) assert.equal(pythonJsonError(doc), expected, JSON.stringify(doc));
  });
});
