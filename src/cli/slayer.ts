/** The `slayer` executable's entry (bin/slayer.js runs it built from out/main/cli.js, or from here through tsx). */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
