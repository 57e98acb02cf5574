// Validates Kubernetes custom resources against their published models (npm @kubernetes-models/*).
// Usage: node validate.mjs FILE.json, where FILE holds a JSON array of objects.
// Two checks per object, since the published JSON schemas do not forbid unknown fields:
//  1. the model's JSON-schema validator (types, required fields, enums, formats);
//  2. the TypeScript compiler on the object as a literal of the model's interface, whose excess-property
//     check rejects a field the schema does not define (a misspelling would otherwise pass).
// Prints one line per problem, "<kind> <name>: <problem>"; exits 1 when there is any.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const MODELS = {
  "keda.sh/v1alpha1": { models: keda, module: "@kubernetes-models/keda/keda.sh/v1alpha1" },
  "monitoring.coreos.com/v1": {
    models: monitoring, module: "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1" },
};

const objects = JSON.parse(readFileSync(process.argv[2], "utf8"));
const problems = [];
const describe = (o) => `${o.kind} ${o.metadata?.name ?? "?"}`;

let source = "";
const starts = [];
objects.forEach((o, i) => {
  const group = MODELS[o.apiVersion];
  const Model = group?.models[o.kind];
  if (!Model) {
    problems.push(`${describe(o)}: no published model for ${o.apiVersion}/${o.kind}`);
    return;
  }
  try {
    new Model(o).validate();
  } catch (e) {
    problems.push(`${describe(o)}: ${e.message}`);
  }
  source += `import type { I${o.kind} as T${i} } from "${group.module}/${o.kind}";\n`;
  starts.push([source.length, i]);
  source += `export const o${i}: T${i} = ${JSON.stringify(o, null, 1)};\n`;
});

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, "manifests.ts");
const options = { noEmit: true, strict: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
const host = ts.createCompilerHost(options);
const getSourceFile = host.getSourceFile;
host.getSourceFile = (name, lang, ...rest) => name === file
  ? ts.createSourceFile(name, source, lang) : getSourceFile.call(host, name, lang, ...rest);
const fileExists = host.fileExists;
host.fileExists = (name) => name === file || fileExists.call(host, name);
for (const d of ts.getPreEmitDiagnostics(ts.createProgram([file], options, host))) {
  const at = d.file?.fileName === file ? starts.filter(([s]) => s <= d.start).pop() : undefined;
  const where = at ? describe(objects[at[1]]) : "typescript";
  problems.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
}

problems.forEach((p) => console.log(p));
process.exit(problems.length ? 1 : 0);
