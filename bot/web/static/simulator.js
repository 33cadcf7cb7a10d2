"use strict";
// Chat simulator: talks to /simulator/* which signs and posts to /wechat like WeChat does.
const $ = (id) => document.getElementById(id);
let people = [];
let current = null; // {openid, name?, phone?}
let inboxAfter = {};

function add(kind, text) {
  const li = document.createElement("li");
  li.className = kind;
  const div = document.createElement("div");
  div.className = "bubble";
  div.textContent = text;
  li.appendChild(div);
  $("log").appendChild(li);
  $("log").scrollTop = $("log").scrollHeight;
}

async function post(url, body) {
  const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return r.json();
}

async function send(text) {
  if (!current || !text.trim()) return;
  add("me", text);
  const r = await post("/simulator/send", { openid: current.openid, text });
  if (r.error) add("system", "出错：" + r.error);
  else if (r.status !== 200) add("system", "回调返回 " + r.status);
  else if (r.reply) add("bot", r.reply);
}

async function event(name) {
  const r = await post("/simulator/send", { openid: current.openid, event: name });
  if (r.reply) add("bot", r.reply);
}

async function pollInbox() {
  if (current) {
    const after = inboxAfter[current.openid] || 0;
    const r = await fetch(`/simulator/inbox?openid=${encodeURIComponent(current.openid)}&after=${after}`);
    if (r.ok) {
      for (const m of await r.json()) {
        add("push", m.text);
        inboxAfter[current.openid] = m.id;
      }
    }
  }
  setTimeout(pollInbox, 2000);
}

async function choose(person) {
  current = person;
  $("log").innerHTML = "";
  $("title").textContent = person.name ? `${person.name}（${person.branch}）` : "新关注者";
  $("profile").textContent = person.name
    ? `${person.role} · ${person.category} · ${person.branch}${person.group ? " · " + person.group : ""}\n手机号 ${person.phone}`
    : "尚未绑定，可以发送“绑定 姓名 手机号”。";
  add("system", "已切换身份");
  if (person.name && !person.bound) {
    await send(`绑定 ${person.name} ${person.phone}`);
    person.bound = true;
  } else if (!person.name) {
    await event("subscribe");
  }
}

async function load() {
  people = await (await fetch("/simulator/members")).json();
  const sel = $("who");
  sel.innerHTML = '<option value="">— 选择演示党员 —</option>';
  for (const p of people) {
    const o = document.createElement("option");
    o.value = p.id;
    o.textContent = `${p.name} · ${p.role} · ${p.branch}`;
    sel.appendChild(o);
  }
  sel.onchange = () => { const p = people.find((x) => String(x.id) === sel.value); if (p) choose(p); };
  $("newFollower").onclick = async () => { const r = await post("/simulator/follower", {}); choose({ openid: r.openid }); };
  $("form").onsubmit = (e) => { e.preventDefault(); const t = $("text").value; $("text").value = ""; send(t); };
  document.querySelectorAll(".quick button").forEach((b) => { b.onclick = () => send(b.dataset.text); });
  pollInbox();
  // /?member=ID opens the simulator as that demo member (handy for demos and screenshots)
  const wanted = new URLSearchParams(location.search).get("member");
  const person = people.find((x) => String(x.id) === wanted);
  if (person) { sel.value = String(person.id); await choose(person); }
  const say = new URLSearchParams(location.search).get("say");
  if (person && say) for (const t of say.split("|")) await send(t);
}
load();
