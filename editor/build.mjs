// Builds the console's editors into bpmn_runtime/web/static/editor/: one minified script and one stylesheet
// per editor, the fonts they use, and LICENSES.txt with the licence of every package bundled in them.
// Run `npm ci && npm run build` here; commit the output. A new editor (form-js, dmn-js) is one more entry.
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const OUT = path.resolve('../bpmn_runtime/web/static/editor');
const ENTRIES = [ 'src/bpmn-editor.js', 'src/bpmn-editor.css' ];

// bpmn-js's icon font comes in five formats; every browser the modeler supports reads woff2.
const woff2Only = {
  name: 'woff2-only',
  setup(build) {
    build.onLoad({ filter: /bpmn-font[\\/]css[\\/]bpmn\.css$/ }, args => ({
      loader: 'css',
      contents: readFileSync(args.path, 'utf8').replace(/@font-face\s*{[^}]*}/,
        "@font-face { font-family: 'bpmn'; src: url('../font/bpmn.woff2') format('woff2'); " +
        'font-weight: normal; font-style: normal; }')
    }));
  }
};

const result = await esbuild.build({
  entryPoints: ENTRIES,
  outdir: OUT,
  bundle: true,
  minify: true,
  format: 'iife',
  target: [ 'es2020' ],
  loader: { '.woff2': 'file' },
  assetNames: '[name]',
  legalComments: 'none', // the licences are in LICENSES.txt instead
  metafile: true,
  logLevel: 'info',
  plugins: [ woff2Only ]
});

function packageRoot(input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) {
    return null;
  }
  return parts.slice(0, at + (parts[at + 1].startsWith('@') ? 3 : 2)).join('/');
}

// The MIT licence, for the few packages that declare it without shipping its text.
const MIT = 'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and ' +
  'associated documentation files (the "Software"), to deal in the Software without restriction, including ' +
  'without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies ' +
  'of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following ' +
  'conditions:\n\nThe above copyright notice and this permission notice shall be included in all copies or ' +
  'substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, ' +
  'EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR ' +
  'PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, ' +
  'DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN ' +
  'CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.';

function licenceText(root, manifest) {
  const file = readdirSync(root).find(name => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(name));
  if (file) {
    return readFileSync(path.join(root, file), 'utf8').trim();
  }
  if (manifest.license === 'MIT' && manifest.author) {
    const author = typeof manifest.author === 'string' ? manifest.author : manifest.author.name;
    return `(The package ships no licence file; it declares the MIT licence.)\n\nCopyright (c) ${author}\n\n${MIT}`;
  }
  throw new Error(`${root} has no licence file: add its licence to LICENSES.txt by hand`);
}

const roots = [ ...new Set(Object.keys(result.metafile.inputs).map(packageRoot).filter(Boolean)) ].sort();
const sections = roots.map(root => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return `${manifest.name} ${manifest.version} (${manifest.license})\n\n${licenceText(root, manifest)}`;
});
writeFileSync(path.join(OUT, 'LICENSES.txt'),
  'The scripts, stylesheets and fonts in this folder are built from editor/ in the bpmn-runtime repository\n' +
  '(cd editor && npm ci && npm run build) and bundle these packages, under these licences:\n\n' +
  sections.join(`\n\n${'='.repeat(100)}\n\n`) + '\n');
console.log(`${roots.length} packages bundled; their licences are in ${path.join(OUT, 'LICENSES.txt')}`);
