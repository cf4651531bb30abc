/** One CSV record and the line (1-based) it starts on; a quoted field may span several lines. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export interface CsvParseResult {
  records: CsvRecord[];
  /** Records that could not be read (e.g. an unterminated quote), by the line they start on. */
  errors: { line: number; message: string }[];
}

/**
 * A small RFC 4180 reader: comma-separated fields, optional double quotes around a field (which may
 * then hold commas, line breaks and `""` for a quote), CRLF, LF or CR line ends, and a leading BOM
 * (Excel writes one). Blank lines are skipped. A malformed record is reported by its line and
 * skipped, so the rest of the file is still read.
 */
export function parseCsv(text: string): CsvParseResult {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const errors: CsvParseResult['errors'] = [];

  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  /** The current field began with a quote (so after its closing quote only a separator may follow). */
  let wasQuoted = false;
  let broken: string | null = null;

  const endField = () => {
    fields.push(field);
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (broken) errors.push({ line: recordLine, message: broken });
    else if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
    broken = null;
  };

  for (let index = 0; index < input.length; index += 1) {
    const char = input[index];
    const isLineEnd = char === '\n' || char === '\r';
    const lineEndLength = char === '\r' && input[index + 1] === '\n' ? 2 : 1;

    if (quoted) {
      if (char === '"') {
        if (input[index + 1] === '"') {
          field += '"';
          index += 1;
        } else {
          quoted = false;
        }
      } else if (isLineEnd) {
        field += '\n';
        index += lineEndLength - 1;
        line += 1;
      } else {
        field += char;
      }
      continue;
    }

    if (isLineEnd) {
      index += lineEndLength - 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else if (broken) {
      // Skip the rest of a malformed record's line.
    } else if (char === ',') {
      endField();
    } else if (char === '"' && field === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
    } else if (wasQuoted) {
      broken = '引号结束后应为逗号或换行（字段内的引号请写成两个 ""）';
    } else {
      field += char;
    }
  }

  if (quoted) {
    errors.push({ line: recordLine, message: '引号未闭合：此行起的内容缺少结束的 "' });
  } else if (field !== '' || fields.length > 0 || wasQuoted || broken) {
    endRecord();
  }
  return { records, errors };
}
