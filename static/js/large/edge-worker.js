// Paints a large graph's edges off the page's thread (edge-paint.js): the page sends the canvas,
// the edges and each paint, and hears back when one is on the canvas.

import { createPainter } from "./edge-paint.js";

const painter = createPainter((msg) => self.postMessage(msg), 250);
self.onmessage = (ev) => painter.handle(ev.data);
