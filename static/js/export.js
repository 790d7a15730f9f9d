// Export the diagram as a standalone SVG (styles written out) or a PNG (painted on a canvas).

const PROPS = ["fill", "stroke", "stroke-width", "stroke-dasharray", "opacity", "font-size", "font-family", "font-weight", "font-style", "text-anchor", "paint-order", "stroke-linejoin", "fill-opacity", "stroke-opacity"];

function visible(node) {
  const cs = getComputedStyle(node);
  return cs.display !== "none" && cs.visibility !== "hidden" && Number(cs.opacity) !== 0;
}

/** Save a Blob under a file name (an object URL on a temporary link; allowed by a strict CSP). */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function background(svg) {
  return getComputedStyle(document.body).getPropertyValue("--bg").trim() || "#ffffff";
}

/**
 * A copy whose every element carries its computed style as presentation attributes; `edges`: a
 * large graph's canvas-painted edges (large/edge-canvas.js), written out as paths beneath the rest.
 */
export function standaloneSvg(svg, edges = null) {
  const copy = svg.cloneNode(true);
  const live = [svg, ...svg.querySelectorAll("*")];
  const dead = [copy, ...copy.querySelectorAll("*")];
  live.forEach((node, i) => {
    const target = dead[i];
    for (const a of ["tabindex", "role", "class", "id"]) target.removeAttribute(a);
    if (node !== svg && !visible(node)) {
      target.setAttribute("display", "none");
      return;
    }
    const cs = getComputedStyle(node);
    for (const p of PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) target.setAttribute(p, v);
    }
  });
  const vb = svg.viewBox.baseVal;
  const bg = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  for (const [k, v] of Object.entries({ x: vb.x, y: vb.y, width: vb.width, height: vb.height, fill: background(svg) })) bg.setAttribute(k, v);
  copy.insertBefore(bg, copy.firstChild);
  if (edges) bg.after(edges.paths(document));
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  return new XMLSerializer().serializeToString(copy);
}

export function exportSvg(svg, name, edges = null) {
  download(new Blob([standaloneSvg(svg, edges)], { type: "image/svg+xml" }), `${name}.svg`);
}

/** Paint the few element kinds the renderer uses; no image loading, so a strict CSP is fine. */
export function paintPng(svg, scale = 2, edges = null) {
  const vb = svg.viewBox.baseVal;
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(vb.width * scale);
  canvas.height = Math.ceil(vb.height * scale);
  const ctx = canvas.getContext("2d");
  ctx.scale(scale, scale);
  ctx.fillStyle = background(svg);
  ctx.fillRect(0, 0, vb.width, vb.height);
  if (edges) {
    edges.paintOn(ctx);
    ctx.setLineDash([]);
    ctx.lineCap = "butt";
  }
  const num = (node, a) => Number(node.getAttribute(a) || 0);
  for (const node of svg.querySelectorAll("rect, line, path, circle, text")) {
    if (!visible(node) || node.closest("[display='none']")) continue;
    let hidden = false;
    for (let p = node.parentElement; p && p !== svg; p = p.parentElement) if (!visible(p)) hidden = true;
    if (hidden) continue;
    const cs = getComputedStyle(node);
    ctx.globalAlpha = Number(cs.opacity) * Number(cs.fillOpacity || 1);
    const fill = cs.fill !== "none" ? cs.fill : null;
    const stroke = cs.stroke !== "none" ? cs.stroke : null;
    ctx.lineWidth = parseFloat(cs.strokeWidth) || 1;
    const dash = cs.strokeDasharray && cs.strokeDasharray !== "none" ? cs.strokeDasharray.split(/[ ,]+/).map(parseFloat) : [];
    ctx.setLineDash(dash);
    if (node.tagName === "text") {
      ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      ctx.textAlign = cs.textAnchor === "middle" ? "center" : cs.textAnchor === "end" ? "right" : "left";
      ctx.textBaseline = "alphabetic";
      if (stroke && cs.paintOrder.startsWith("stroke")) {
        ctx.strokeStyle = stroke;
        ctx.lineJoin = "round";
        ctx.strokeText(node.textContent, num(node, "x"), num(node, "y"));
      }
      if (fill) {
        ctx.fillStyle = fill;
        ctx.fillText(node.textContent, num(node, "x"), num(node, "y"));
      }
      continue;
    }
    let path;
    if (node.tagName === "path") path = new Path2D(node.getAttribute("d"));
    else if (node.tagName === "line") path = new Path2D(`M${num(node, "x1")},${num(node, "y1")} L${num(node, "x2")},${num(node, "y2")}`);
    else if (node.tagName === "circle") {
      path = new Path2D();
      path.arc(num(node, "cx"), num(node, "cy"), num(node, "r"), 0, 2 * Math.PI);
    } else {
      path = new Path2D();
      path.roundRect(num(node, "x"), num(node, "y"), num(node, "width"), num(node, "height"), num(node, "rx"));
    }
    if (fill && node.tagName !== "path" && node.tagName !== "line") {
      ctx.fillStyle = fill;
      ctx.fill(path);
    }
    if (stroke && ctx.lineWidth > 0) {
      ctx.strokeStyle = stroke;
      ctx.stroke(path);
    }
  }
  return canvas;
}

export function exportPng(svg, name, edges = null) {
  paintPng(svg, 2, edges).toBlob((blob) => blob && download(blob, `${name}.png`), "image/png");
}
