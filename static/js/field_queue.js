// The offline queue: drafts (an issue, an inspection, a rectification, ledger photos) kept in
// IndexedDB with their photos as Blobs until the server has them. Used by the pages
// (static/js/field.js) and by the service worker's Background Sync, so it touches no DOM.
// Each draft carries its own UUID, sent as Idempotency-Key: a draft sent twice (the answer
// was lost, page and worker both sending) is still filed once.
/* global idb */
(function (root) {
  "use strict";
  const DB_NAME = "ccms-field";
  const STORE = "drafts";
  const DONE_KEEP_MS = 24 * 3600 * 1000;
  const LABELS = {
    point: "点位", category: "问题类别", description: "问题描述", photos: "照片",
    files: "照片或文件", results: "检查结果", latitude: "位置", longitude: "位置",
    address: "地址", note: "整改说明", notes: "督查备注", requirement: "台账任务",
    client_uuid: "草稿编号", status: "状态",
  };
  let opened = null;

  function db() {
    opened = opened || root.idb.openDB(DB_NAME, 1, {
      upgrade(database) {
        database.createObjectStore(STORE, { keyPath: "uuid" }).createIndex("created", "created");
      },
    });
    return opened;
  }

  function newId() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    const b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function all(user) {
    const list = await (await db()).getAllFromIndex(STORE, "created");
    const now = Date.now();
    const stale = list.filter((d) => d.state === "done" && now - d.doneAt > DONE_KEEP_MS);
    await Promise.all(stale.map((d) => remove(d.uuid)));
    return list.filter((d) => !stale.includes(d) && (user == null || d.user === user));
  }
  async function get(uuid) { return (await db()).get(STORE, uuid); }
  async function put(draft) { return (await db()).put(STORE, draft); }
  async function remove(uuid) { return (await db()).delete(STORE, uuid); }

  // Field names of the page's form → what the API takes.
  function requestBody(draft) {
    const body = new FormData();
    const fields = draft.fields.slice();
    if (draft.kind === "inspection") {
      const results = [];
      for (const [name, value] of fields) {
        if (name.startsWith("verdict_")) {
          const id = name.slice(8);
          const note = fields.find(([n]) => n === `note_${id}`);
          results.push({ check_item: Number(id), verdict: value, note: note ? note[1] : "" });
        }
      }
      body.append("results", JSON.stringify(results));
    }
    for (const [name, value] of fields) {
      if (draft.kind === "inspection" && /^(verdict|note)_/.test(name)) continue;
      body.append(name, value);
    }
    for (const file of draft.files) {
      const name = draft.kind === "ledger" && /^(photos|documents)$/.test(file.name) ? "files" : file.name;
      body.append(name, file.blob, file.filename);
    }
    return body;
  }

  // A DRF error body ({"field": ["…"]}, nested lists, {"detail": "…"}) as one Chinese line.
  function describe(errors) {
    const parts = [];
    (function walk(value, label) {
      if (value == null) return;
      if (typeof value === "string") { parts.push(label ? `${label}：${value}` : value); return; }
      if (Array.isArray(value)) { value.forEach((v) => walk(v, label)); return; }
      if (typeof value === "object") {
        Object.entries(value).forEach(([key, v]) => {
          const known = LABELS[key];
          const isMeta = ["detail", "non_field_errors", "errors", "code", "status"].includes(key) ||
            /^\d+$/.test(key);
          if (key === "code" || key === "status") return;
          walk(v, known || (isMeta ? label : label || key));
        });
      }
    })(errors, "");
    return [...new Set(parts)].join("；") || "提交未通过检查，请修改后重试。";
  }

  // "/issues/{id}/" with the answer's fields; "" when one is missing.
  function fill(template, data) {
    if (!template) return "";
    let missing = false;
    const text = template.replace(/\{(\w+)\}/g, (m, key) => {
      if (data[key] == null) { missing = true; return ""; }
      return String(data[key]);
    });
    return missing ? "" : text;
  }

  async function sendOne(draft, csrf) {
    draft.state = "sending";
    draft.tries = (draft.tries || 0) + 1;
    await put(draft);
    let response;
    try {
      response = await fetch(draft.url, {
        method: draft.method || "POST", body: requestBody(draft), credentials: "same-origin",
        headers: { "Idempotency-Key": draft.uuid, "X-CSRFToken": csrf || draft.csrf,
                   Accept: "application/json" },
      });
    } catch (err) {
      draft.state = "waiting";
      draft.error = "没有网络，联网后自动上传";
      await put(draft);
      return "offline";
    }
    let data = {};
    try { data = await response.json(); } catch (err) { data = {}; }
    if (response.ok) {
      draft.state = "done";
      draft.doneAt = Date.now();
      draft.error = "";
      draft.resultUrl = fill(draft.result, data);
      draft.flash = fill(draft.flashTemplate, data);
      draft.files = [];  // the server has the photos now
      await put(draft);
      return "done";
    }
    if (response.status >= 500 || response.status === 429) {
      draft.state = "waiting";
      draft.error = `服务器暂时无法处理（${response.status}），稍后自动重试`;
      await put(draft);
      return "retry";
    }
    draft.state = "failed";
    draft.errors = data;
    draft.error = response.status === 401 || (response.status === 403 && /CSRF/i.test(JSON.stringify(data)))
      ? "登录已过期，请重新登录后点“重试”" : describe(data);
    await put(draft);
    return "failed";
  }

  // Sends the person's waiting drafts in the order they were made; stops at the first one
  // the network did not carry. One sender at a time per browser (page or worker).
  async function flush({ user, csrf, only }) {
    const run = async () => {
      const results = [];
      for (const draft of await all(user)) {
        if (only && draft.uuid !== only) continue;
        if (draft.state === "done" || (draft.state === "failed" && !only)) continue;
        const result = await sendOne(draft, csrf);
        results.push([draft.uuid, result]);
        if (result === "offline") break;
      }
      return results;
    };
    const locks = root.navigator && root.navigator.locks;
    return locks ? locks.request("ccms-field-queue", run) : run();
  }

  root.FieldQueue = { all, get, put, remove, flush, describe, newId, requestBody };
})(self);
