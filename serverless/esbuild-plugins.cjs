'use strict';

const path = require('node:path');

/**
 * zod v4 re-exports every locale (`z.locales`) from the namespace the code imports, so a bundle
 * carries ~260 KB of error messages in forty languages it never uses. The product only speaks
 * English, which zod configures itself from `locales/en.js`; the barrel is cut down to that one.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

module.exports = [zodEnglishOnly];
