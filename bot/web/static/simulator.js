"use strict";
// Chat simulator: talks to /simulator/* which signs and posts to /wechat like WeChat does.
const $ = (id) => document.getElementById(id);
let people = [];
let current = null; // {openid, name?, ...}
const inboxAfter = {};

function add(kind, text) {
  const li = document.createElement("li");
  li.className = kind;
  const div = document.createElement("div");
  div.className = "bubble";
  div.textContent = text;
  li.appendChild(div);
  $("log").appendChild(li);
  $("log").scrollTop = $("log").scrollHeight;
  return li;
}

async function post(url, body) {
  const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return r.json();
}

function needIdentity() {
  document.body.classList.add("needs-choice");
  add("system", "请先在上方选择一个身份（演示党员或“新关注者”），再发送消息。");
  $("who").focus();
}

async function send(text) {
  if (!text.trim()) return false;
  if (!current) { needIdentity(); return false; }
  add("me", text);
  try {
    const r = await post("/simulator/send", { openid: current.openid, text });
    if (r.error) add("system", "出错：" + r.error);
    else if (r.status !== 200) add("system", "回调返回 " + r.status);
    else if (r.reply) add("bot", r.reply);
  } catch (e) {
    add("system", "连不上服务，请确认服务正在运行。");
  }
  await refreshIdentity();
  return true;
}

async function event(name) {
  const r = await post("/simulator/send", { openid: current.openid, event: name });
  if (r.reply) add("bot", r.reply);
}

async function pollInbox() {
  if (current) {
    const openid = current.openid;
    try {
      const r = await fetch(`/simulator/inbox?openid=${encodeURIComponent(openid)}&after=${inboxAfter[openid] || 0}`);
      if (r.ok && current && current.openid === openid) {
        for (const m of await r.json()) {
          add("push", m.text);
          inboxAfter[openid] = m.id;
        }
      }
    } catch (e) { /* the server restarts: try again later */ }
  }
  setTimeout(pollInbox, 2000);
}

function describe(p) {
  return `${p.role} · ${p.category} · ${p.branch}${p.group ? " · " + p.group : ""}\n手机号 ${p.phone}`;
}

function showIdentity(member) {
  if (!current) return;
  if (member) {
    $("title").textContent = `${member.name}（${member.branch}）`;
    $("profile").textContent = describe(member) + "\n已绑定";
  } else {
    $("title").textContent = current.name ? `${current.name}（未绑定）` : "新关注者（未绑定）";
    $("profile").textContent = current.name
      ? describe(current) + "\n未绑定"
      : "新关注者，尚未绑定。可以发送“绑定 姓名 手机号”。";
  }
}

// The side panel and title follow the account's binding (after 绑定 / 解绑, or a new follower
// binding as someone).
async function refreshIdentity() {
  if (!current) return;
  const openid = current.openid;
  try {
    const r = await fetch(`/simulator/identity?openid=${encodeURIComponent(openid)}`);
    if (r.ok && current && current.openid === openid) showIdentity((await r.json()).member);
  } catch (e) { /* keep what is shown */ }
}

async function choose(person) {
  current = person;
  document.body.classList.remove("needs-choice");
  $("log").innerHTML = "";
  $("text").placeholder = "输入消息，如：打卡";
  showIdentity(null);
  add("system", person.name ? `已切换为 ${person.name}` : "已切换为新关注者");
  if (person.name && !person.bound) {
    await send(`绑定 ${person.name} ${person.phone}`);
    person.bound = true;
  } else if (!person.name) {
    await event("subscribe");
  }
  await refreshIdentity();
  $("text").focus();
}

async function load() {
  const sel = $("who");
  sel.innerHTML = '<option value="">— 选择身份 —</option>';
  $("form").onsubmit = async (e) => {
    e.preventDefault();
    const t = $("text").value;
    if (await send(t)) $("text").value = "";
  };
  document.querySelectorAll(".quick button").forEach((b) => { b.onclick = () => send(b.dataset.text); });
  sel.onchange = () => { const p = people.find((x) => String(x.id) === sel.value); if (p) choose(p); };
  $("newFollower").onclick = async () => {
    const r = await post("/simulator/follower", {});
    sel.value = "";
    choose({ openid: r.openid });
  };
  add("system", "先选择身份：在上方选一位演示党员（会自动绑定），或点“新关注者”从关注开始。");
  try {
    people = await (await fetch("/simulator/members")).json();
  } catch (e) {
    add("system", "连不上服务，请确认服务正在运行。");
    return;
  }
  for (const p of people) {
    const o = document.createElement("option");
    o.value = p.id;
    o.textContent = `${p.name} · ${p.role} · ${p.branch}`;
    sel.appendChild(o);
  }
  pollInbox();
  // /?member=ID opens the simulator as that demo member (handy for demos and screenshots)
  const wanted = new URLSearchParams(location.search).get("member");
  const person = people.find((x) => String(x.id) === wanted);
  if (person) { sel.value = String(person.id); await choose(person); }
  const say = new URLSearchParams(location.search).get("say");
  if (person && say) for (const t of say.split("|")) await send(t);
}
load();
