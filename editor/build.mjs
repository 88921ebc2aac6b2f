// Builds the console's editors into bpmn_runtime/web/static/editor/: one minified script and one stylesheet
// per editor, the fonts they use, and LICENSES.txt with the licence of every package bundled in them.
// Run `npm ci && npm run build` here; commit the output. A new editor is one more entry.
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const OUT = path.resolve('../bpmn_runtime/web/static/editor');
const ENTRIES = [ 'src/bpmn-editor.js', 'src/bpmn-editor.css', 'src/form-editor.js', 'src/form-editor.css',
  'src/dmn-editor.js', 'src/dmn-editor.css' ];

// bpmn-js's and dmn-js's icon fonts come in five formats; every browser the editors support reads woff2.
const woff2Only = {
  name: 'woff2-only',
  setup(build) {
    build.onLoad({ filter: /(bpmn|dmn)-font[\\/]css[\\/](bpmn|dmn)\.css$/ }, args => {
      const font = path.basename(args.path, '.css');
      return {
        loader: 'css',
        contents: readFileSync(args.path, 'utf8').replace(/@font-face\s*{[^}]*}/,
          `@font-face { font-family: '${font}'; src: url('../font/${font}.woff2') format('woff2'); ` +
          'font-weight: normal; font-style: normal; }')
      };
    });
  }
};

// form-js-editor keeps its own older preact, but renders with @bpmn-io/properties-panel, which uses the newer
// one: two copies of preact break its hooks, so every bundle uses the one preact that npm put at the top.
const onePreact = {
  name: 'one-preact',
  setup(build) {
    build.onResolve({ filter: /^preact(\/.*)?$/ }, args => args.resolveDir === path.resolve('.') ? undefined :
      build.resolve(args.path, { kind: args.kind, resolveDir: path.resolve('.') }));
  }
};

// CodeMirror (the FEEL fields) puts its styles into a <style> element, which 'style-src' without
// 'unsafe-inline' refuses; a constructed stylesheet, which it uses where there is no <head>, is allowed.
const constructedStyles = {
  name: 'constructed-styles',
  setup(build) {
    build.onLoad({ filter: /style-mod[\\/]src[\\/]style-mod\.js$/ }, args => {
      const source = readFileSync(args.path, 'utf8');
      const patched = source.replace('if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet)',
        'if (root.adoptedStyleSheets && win.CSSStyleSheet)');
      if (patched === source) {
        throw new Error(`${args.path} changed: check how it adds its styles before upgrading`);
      }
      return { loader: 'js', contents: patched };
    });
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
  plugins: [ woff2Only, onePreact, constructedStyles ]
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
