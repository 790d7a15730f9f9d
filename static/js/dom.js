// Small helpers for building the page's HTML without innerHTML (SVG has its own in svg.js).

/** document.createElement with classes, attributes and text in one call. */
export function el(tag, { cls = "", text = "", attrs = {} } = {}, children = []) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

let uid = 0;
/** A page-unique id for label/aria wiring when several copies are mounted. */
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A short message at the foot of the screen that goes away on its own. */
export function createToast(node) {
  let timer = null;
  return {
    show(message, ms = 3000) {
      node.textContent = message;
      node.classList.add("is-shown");
      clearTimeout(timer);
      timer = setTimeout(() => node.classList.remove("is-shown"), ms);
    },
  };
}
