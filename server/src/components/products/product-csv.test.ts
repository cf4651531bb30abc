import { parseCsv } from './product-csv';

describe('parseCsv', () => {
  it('reads plain fields, quoted fields with commas, doubled quotes and line breaks, and numbers records by their first line', () => {
    const text = 'a,b,c\n1,"x, y","say ""hi"""\n2,"two\nlines",z\n3,,\n';
    expect(parseCsv(text)).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
        { line: 3, fields: ['2', 'two\nlines', 'z'] },
        { line: 5, fields: ['3', '', ''] },
      ],
      errors: [],
    });
  });

  it('handles CRLF and lone CR line ends, a BOM, blank lines and a missing final line break', () => {
    const text = '\uFEFFid,name\r\n1,"甲\r\n乙"\r\n\r\n2,丙\r3,丁';
    expect(parseCsv(text).records).toEqual([
      { line: 1, fields: ['id', 'name'] },
      { line: 2, fields: ['1', '甲\n乙'] },
      { line: 5, fields: ['2', '丙'] },
      { line: 6, fields: ['3', '丁'] },
    ]);
  });

  it('reports a stray character after a closing quote by line and goes on with the next record', () => {
    const result = parseCsv('id,name\n1,"ok"x,more\n2,fine\n');
    expect(result.errors).toEqual([{ line: 2, message: expect.stringContaining('引号') }]);
    expect(result.records.map((record) => record.fields[0])).toEqual(['id', '2']);
  });

  it('reports an unterminated quote at the line where its record starts', () => {
    const result = parseCsv('id,name\n1,"never closed\n2,x\n');
    expect(result.records).toEqual([{ line: 1, fields: ['id', 'name'] }]);
    expect(result.errors).toEqual([{ line: 2, message: expect.stringContaining('引号未闭合') }]);
  });

  it('keeps empty quoted fields and a quote inside an unquoted field as text', () => {
    expect(parseCsv('"",5"x,""\n').records).toEqual([{ line: 1, fields: ['', '5"x', ''] }]);
  });
});
