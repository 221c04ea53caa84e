// A tiny template renderer for BENCHMARKS.md, so the document's prose lives in template.md as
// Markdown instead of in string literals. Just enough syntax for one document:
//   {{name}}                 the value, as text (a missing value is an error, not an empty string)
//   {{#name}} … {{/name}}    kept when the value is true (a tag alone on its line takes the line with it)
//   {{! … }}                 a comment (on its own line: the line goes)
//   a line ending in \       continues on the next line (the backslash and the line break go), so
//                            the template keeps lines short where the document has long ones
// Values are substituted last and in one pass: text in a value is never read as template syntax.

export type TemplateValues = Record<string, string | number | boolean>;

const SECTION = /\{\{#(\w+)\}\}([\s\S]*?)\{\{\/\1\}\}/g;
const PLACEHOLDER = /\{\{(\w+)\}\}/g;

function sections(text: string, values: TemplateValues): string {
  return text.replace(SECTION, (_all, name: string, inner: string) => (values[name] ? sections(inner, values) : ''));
}

export function render(template: string, values: TemplateValues): string {
  const structure = template
    .replace(/\\\n/g, '')
    .replace(/^\{\{![\s\S]*?\}\}\n/gm, '')
    .replace(/\{\{![\s\S]*?\}\}/g, '')
    .replace(/^(\{\{[#/]\w+\}\})\n/gm, '$1');
  return sections(structure, values).replace(PLACEHOLDER, (_all, name: string) => {
    const value = values[name];
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`template: no value for {{${name}}}`);
    return String(value);
  });
}
