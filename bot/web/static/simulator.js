// Draws the exact LINE messages the bot would send: text, Flex (bubble, carousel, box, text,
// button, separator, filler, image), quick replies, and the rich menu. Every tap goes back to
// the server as LINE would send it: a postback as a postback event, a message action as text.
const log = document.getElementById("log");
const quick = document.getElementById("quick");
const input = document.getElementById("text");

// LINE's Flex keywords in pixels (developers.line.biz Flex Message layout).
const TEXT_PX = {xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74};
const SPACE_PX = {none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20};
let turns = 0;
let lastRow = null;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function px(value, table) {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" && /^-?\d+(\.\d+)?(px|%)$/.test(value)) return value;
  return value in table ? `${table[value]}px` : null;
}

function show(content, who) {
  const row = el("div", `row ${who}`);
  if (who === "bot") {
    if (lastRow && lastRow.classList.contains("bot")) row.classList.add("cont");
    row.appendChild(el("div", "avatar", "那珂"));
  }
  row.appendChild(content);
  log.appendChild(row);
  lastRow = row;
  log.scrollTop = log.scrollHeight;
  return row;
}

function toast(text) {
  const note = el("div", "toast", text);
  document.body.appendChild(note);
  setTimeout(() => note.remove(), 2500);
}

async function send(event, echo) {
  if (echo) show(el("div", "bubble", echo), "me");
  quick.replaceChildren();
  let messages;
  try {
    const response = await fetch("/simulator/send", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(event),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    ({messages} = await response.json());
  } catch (error) {
    show(el("div", "bubble unsupported", `送信できませんでした（${error.message}）`), "bot");
    return;
  }
  for (const message of messages) drawMessage(message);
  log.scrollTop = log.scrollHeight;  // again: the quick replies took room from the log
  turns += 1;
  document.body.dataset.turns = String(turns);
}

// One action, as LINE does it: postback → postback event (displayText shown as the resident's
// message), message → the text is sent as the resident's message, uri → opened.
function act(action) {
  if (action.type === "postback") send({type: "postback", data: action.data}, action.displayText);
  else if (action.type === "message") send({type: "text", text: action.text}, action.text);
  else if (action.type === "uri") openUri(action.uri);
  else toast(`「${action.label || action.type}」はシミュレーターでは使えません`);
}

function openUri(uri) {
  if (uri.startsWith("tel:")) toast(`電話をかけます：${uri.slice(4)}`);
  else window.open(uri, "_blank", "noopener");
}

// A control that performs `action`: a real link for uri (so a phone can dial tel:), else a button.
function actionControl(action, cls) {
  let node;
  if (action.type === "uri") {
    node = el("a", cls, action.label);
    node.href = action.uri;
    if (!action.uri.startsWith("tel:")) { node.target = "_blank"; node.rel = "noopener"; }
    node.addEventListener("click", (e) => { if (action.uri.startsWith("tel:")) { e.preventDefault(); openUri(action.uri); } });
  } else {
    node = el("button", cls, action.label);
    node.type = "button";
    node.addEventListener("click", () => act(action));
  }
  node.dataset.action = action.type;
  return node;
}

function drawMessage(message) {
  if (message.type === "text") {
    show(el("div", "bubble", message.text), "bot").dataset.type = "text";
  } else if (message.type === "flex") {
    const contents = message.contents;
    const node = contents.type === "carousel" ? el("div", "carousel") : drawBubble(contents);
    if (contents.type === "carousel") for (const bubble of contents.contents) node.appendChild(drawBubble(bubble));
    node.setAttribute("aria-label", message.altText);
    show(node, "bot").dataset.type = "flex";
  } else {
    show(el("div", "bubble unsupported", `［${message.type} はシミュレーターで表示できません］`), "bot");
  }
  const items = (message.quickReply || {}).items || [];
  if (items.length) quick.replaceChildren(...items.map((item) => actionControl(item.action, "")));
}

function drawBubble(bubble) {
  const card = el("div", `fx-bubble size-${bubble.size || "mega"}`);
  const styles = bubble.styles || {};
  for (const part of ["header", "hero", "body", "footer"]) {
    const block = bubble[part];
    if (!block) continue;
    const wrap = el("div", `fx-block ${part}`);
    const style = styles[part] || {};
    if (style.backgroundColor) wrap.style.background = style.backgroundColor;
    if (style.separator) wrap.classList.add("sep-top");
    wrap.appendChild(drawComponent(block, "vertical", true));
    card.appendChild(wrap);
  }
  return card;
}

function applyCommon(node, c, parentLayout, first) {
  const horizontal = parentLayout !== "vertical";
  const margin = first ? null : px(c.margin, SPACE_PX);
  if (margin) node.style[horizontal ? "marginLeft" : "marginTop"] = margin;
  const grow = c.flex !== undefined ? c.flex : (horizontal ? 1 : 0);
  node.style.flex = `${grow} ${grow} ${grow ? "0" : "auto"}`;
  if (c.gravity === "center") node.style.alignSelf = "center";
  if (c.gravity === "bottom") node.style.alignSelf = "flex-end";
}

function drawComponent(c, parentLayout, first) {
  let node;
  if (c.type === "box") {
    node = el("div", `fx-box ${c.layout || "vertical"}`);
    const gap = px(c.spacing, SPACE_PX);
    (c.contents || []).forEach((child, i) => {
      const part = drawComponent(child, c.layout || "vertical", i === 0);
      if (gap && i > 0 && !child.margin) part.style[(c.layout || "vertical") === "vertical" ? "marginTop" : "marginLeft"] = gap;
      node.appendChild(part);
    });
    for (const [key, side] of [["paddingAll", "padding"], ["paddingTop", "paddingTop"], ["paddingBottom", "paddingBottom"],
      ["paddingStart", "paddingLeft"], ["paddingEnd", "paddingRight"]]) {
      const value = px(c[key], SPACE_PX);
      if (value) node.style[side] = value;
    }
    if (c.backgroundColor) node.style.background = c.backgroundColor;
    if (c.cornerRadius) node.style.borderRadius = px(c.cornerRadius, SPACE_PX);
    if (c.borderWidth) node.style.border = `${px(c.borderWidth, {light: 0.5, normal: 1, medium: 2, "semi-bold": 3, bold: 4}) || "1px"} solid ${c.borderColor || "#000"}`;
    if (c.justifyContent) node.style.justifyContent = c.justifyContent;
    if (c.alignItems) node.style.alignItems = c.alignItems;
  } else if (c.type === "text") {
    node = el("div", `fx-text ${c.wrap ? "wrap" : "nowrap"}`);
    if (c.contents && c.contents.length) {
      for (const span of c.contents) {
        const s = el("span", "", span.text);
        if (span.color) s.style.color = span.color;
        if (span.weight === "bold") s.style.fontWeight = "bold";
        if (span.size) s.style.fontSize = px(span.size, TEXT_PX);
        node.appendChild(s);
      }
    } else node.textContent = c.text;
    const size = px(c.size || "md", TEXT_PX) || "16px";
    node.style.fontSize = c.scaling ? `calc(${size} * var(--scale))` : size;
    if (c.weight === "bold") node.style.fontWeight = "bold";
    if (c.color) node.style.color = c.color;
    if (c.align) node.style.textAlign = c.align === "start" ? "left" : c.align === "end" ? "right" : "center";
    if (c.style === "italic") node.style.fontStyle = "italic";
    if (c.decoration && c.decoration !== "none") node.style.textDecoration = c.decoration;
    if (c.maxLines) { node.style.display = "-webkit-box"; node.style.webkitLineClamp = c.maxLines; node.style.webkitBoxOrient = "vertical"; node.style.overflow = "hidden"; }
  } else if (c.type === "button") {
    const style = c.style || "link";
    node = actionControl(c.action, `fx-button ${style} height-${c.height || "md"}`);
    node.style.fontSize = c.scaling ? "calc(16px * var(--scale))" : "16px";
    if (c.color) node.style[style === "link" ? "color" : "background"] = c.color;
  } else if (c.type === "separator") {
    node = el("div", "fx-sep");
    if (c.color) node.style.background = c.color;
  } else if (c.type === "filler") {
    node = el("div", "fx-filler");
  } else if (c.type === "spacer") {
    node = el("div", "fx-spacer");
    node.style.minHeight = px(c.size || "md", SPACE_PX);
  } else if (c.type === "image") {
    node = el("img", "fx-image");
    node.src = c.url;
    node.alt = "";
    if (c.aspectRatio) node.style.aspectRatio = c.aspectRatio.replace(":", "/");
    if (c.action) { node.style.cursor = "pointer"; node.addEventListener("click", () => act(c.action)); }
  } else {
    node = el("div", "unsupported", `［${c.type}］`);
  }
  node.dataset.fx = c.type;
  applyCommon(node, c, parentLayout, first);
  return node;
}

// --- the rich menu: drawn from richmenu/menu.yaml, areas placed by their bounds --------------
const richmenu = document.getElementById("richmenu");
const chatbar = document.getElementById("chatbar");
const panel = document.getElementById("richmenu-panel");
const toggle = document.getElementById("menu-toggle");

function setMenuOpen(open) {
  panel.hidden = !open;
  chatbar.setAttribute("aria-expanded", String(open));
  chatbar.textContent = `${chatbar.dataset.text} ${open ? "▼" : "▲"}`;
}

async function loadRichMenu() {
  const response = await fetch("/simulator/richmenu.json");
  if (!response.ok) return;  // no menu defined, or no font to draw it: the chat works without
  const menu = await response.json();
  document.getElementById("richmenu-image").src = "/simulator/richmenu.png";
  chatbar.dataset.text = menu.chatBarText;
  for (const area of menu.areas) {
    const b = area.bounds;
    const button = el("button", "richmenu-area");
    button.type = "button";
    button.setAttribute("aria-label", area.action.label || area.action.text || "");
    Object.assign(button.style, {
      left: `${(100 * b.x) / menu.size.width}%`, top: `${(100 * b.y) / menu.size.height}%`,
      width: `${(100 * b.width) / menu.size.width}%`, height: `${(100 * b.height) / menu.size.height}%`,
    });
    button.addEventListener("click", () => act(area.action));
    panel.appendChild(button);
  }
  richmenu.hidden = false;
  toggle.hidden = false;
  setMenuOpen(menu.selected);
}

chatbar.addEventListener("click", () => setMenuOpen(panel.hidden));
toggle.addEventListener("click", () => setMenuOpen(panel.hidden));
input.addEventListener("focus", () => { if (!richmenu.hidden) setMenuOpen(false); });  // the keyboard covers it on LINE

document.getElementById("scale").addEventListener("change", (e) => {
  document.documentElement.style.setProperty("--scale", e.target.value);
});

document.getElementById("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (text) send({type: "text", text}, text);
  input.value = "";
});

// The admin's preview page (preview.js) only draws cards: no chat, no menu.
if (!document.getElementById("preview-messages")) {
  loadRichMenu();
  send({type: "follow"});
}
