/**
 * One CSV line (RFC 4180 fields: commas, double quotes, "" for a quote inside quotes) split
 * into its fields; undefined when a quote is left open or text follows a closing quote. A
 * quoted field cannot span lines here: a mix row has no use for one, and reading line by line
 * keeps every line bounded (bounded-lines.ts).
 *
 * Hand-written rather than csv-parse: on a million-row mix csv-parse's stream took 2.1 s
 * (3.3 s with `columns`), this splitter with the line reader 0.3 s; the mix has to be read in
 * a few seconds in all.
 */
export function splitCsvLine(line: string): string[] | undefined {
  if (!line.includes('"')) return line.split(",");
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return undefined;
        field += line.slice(i, quote);
        i = quote + 1;
        if (line[i] !== '"') break;
        field += '"';
        i++;
      }
      if (i < line.length && line[i] !== ",") return undefined;
    } else {
      const comma = line.indexOf(",", i);
      const end = comma < 0 ? line.length : comma;
      field = line.slice(i, end);
      i = end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) {
      fields.push("");
      return fields;
    }
  }
}
