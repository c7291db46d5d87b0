// Draws the exact LINE messages the bot would send (text, Flex bubble, quick replies).
const log = document.getElementById("log");
const quick = document.getElementById("quick");

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function show(node) { log.appendChild(node); log.scrollTop = log.scrollHeight; }

async function send(event, echo) {
  if (echo) show(el("div", "me", echo));
  const response = await fetch("/simulator/send", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(event),
  });
  const {messages} = await response.json();
  quick.replaceChildren();
  for (const message of messages) drawMessage(message);
}

function act(action) {
  if (action.type === "postback") send({type: "postback", data: action.data}, action.displayText || action.label);
  else if (action.type === "message") send({type: "text", text: action.text}, action.text);
  else if (action.type === "uri") window.open(action.uri, "_blank", "noopener");
}

function drawMessage(message) {
  if (message.type === "text") show(el("div", "bot", message.text));
  if (message.type === "flex") {
    const card = el("div", "flex");
    card.setAttribute("aria-label", message.altText);
    for (const part of ["header", "body", "footer"]) {
      const block = message.contents[part];
      if (block) { const wrap = el("div", part); wrap.appendChild(drawComponent(block)); card.appendChild(wrap); }
    }
    show(card);
  }
  for (const item of (message.quickReply || {}).items || []) {
    const button = el("button", "", item.action.label);
    button.type = "button";
    button.addEventListener("click", () => act(item.action));
    quick.appendChild(button);
  }
}

function drawComponent(c) {
  if (c.type === "box") {
    const box = el("div", `box spacing-${c.spacing || "none"}`);
    for (const child of c.contents) box.appendChild(drawComponent(child));
    return box;
  }
  if (c.type === "text") {
    const t = el("div", `t size-${c.size || "md"}${c.weight === "bold" ? " bold" : ""}`, c.text);
    if (c.color) t.style.color = c.color;
    return t;
  }
  if (c.type === "separator") return el("hr", "sep");
  if (c.type === "button") {
    const b = el(c.action.type === "uri" ? "a" : "button", `btn ${c.style || "secondary"}`, c.action.label);
    if (c.style === "primary") b.style.background = c.color || "#06c755";
    if (c.action.type === "uri") { b.href = c.action.uri; b.target = "_blank"; b.rel = "noopener"; }
    else b.addEventListener("click", () => act(c.action));
    return b;
  }
  return el("div");
}

document.getElementById("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  if (text) send({type: "text", text}, text);
  input.value = "";
});

send({type: "follow"});
