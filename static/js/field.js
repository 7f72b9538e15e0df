// Phone pages that hold up without a signal. Forms marked data-offline="issue|inspection|
// submit|ledger" are kept as drafts in IndexedDB (static/js/field_queue.js) and sent when the
// network is there; the queue ("待上传 N 条") sits in the top bar with retry / edit / delete.
// Where the browser lacks IndexedDB, fetch or a service worker, or the database cannot be
// opened, nothing is intercepted and the forms post as plain forms.
/* global FieldQueue, imageCompression, bootstrap */
(function () {
  "use strict";
  const body = document.body;
  const user = body.dataset.user || "";
  const STATE = { waiting: "等待网络", sending: "上传中…", failed: "未通过", done: "已上传" };

  if ("serviceWorker" in navigator && body.dataset.sw) {
    if (user) {
      navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).then(() => {
        window.setTimeout(() => navigator.serviceWorker.ready.then((reg) => {
          if (reg.active) reg.active.postMessage({ type: "keep-pages" });
        }), 5000);
      }).catch(() => {});
    } else if (navigator.serviceWorker.controller) {
      // Signed out: pages kept for the last person must not open for the next one.
      navigator.serviceWorker.controller.postMessage({ type: "clear-pages" });
    }
  }
  if (!user || !window.indexedDB || !window.fetch || !window.FormData || !window.FieldQueue) return;

  let ready = false;
  const csrf = () => {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return (m && decodeURIComponent(m[1])) || (input && input.value) || "";
  };

  // ---- the queue in the top bar -------------------------------------------------------
  const badge = document.getElementById("field-queue-badge");
  const panel = document.getElementById("field-queue");
  const list = panel && panel.querySelector("[data-queue-list]");

  function esc(text) {
    const d = document.createElement("div");
    d.textContent = text == null ? "" : String(text);
    return d.innerHTML;
  }

  async function render() {
    if (!badge || !list) return;
    const drafts = await FieldQueue.all(user);
    const pending = drafts.filter((d) => d.state !== "done");
    badge.hidden = drafts.length === 0;
    badge.querySelector("[data-count]").textContent = pending.length ?
      `待上传 ${pending.length} 条` : "已全部上传";
    badge.classList.toggle("btn-warning", pending.length > 0);
    badge.classList.toggle("btn-outline-light", pending.length === 0);
    list.innerHTML = drafts.length ? "" : '<p class="text-muted">没有待上传的草稿。</p>';
    for (const d of drafts.slice().reverse()) {
      const item = document.createElement("div");
      item.className = "card mb-2 queue-item";
      item.dataset.uuid = d.uuid;
      item.dataset.state = d.state;
      const when = new Date(d.created).toLocaleString("zh-CN", { hour12: false });
      const photos = d.files.length ? ` · ${d.files.length} 个文件` : "";
      item.innerHTML = `<div class="card-body p-2">
        <div class="fw-bold">${esc(d.label)}</div>
        <div class="small text-muted">${esc(when)}${photos}</div>
        <div class="small mt-1"><span class="badge ${d.state === "failed" ? "bg-danger" :
          d.state === "done" ? "bg-success" : "bg-secondary"}" data-state-label>${STATE[d.state] || d.state}</span>
          <span class="queue-error ${d.state === "failed" ? "text-danger" : "text-muted"}">${esc(d.error || "")}</span></div>
        <div class="mt-2 d-flex gap-2"></div></div>`;
      const buttons = item.querySelector(".d-flex");
      const add = (label, cls, action) => {
        const b = document.createElement("button");
        b.type = "button"; b.className = `btn btn-sm ${cls}`; b.textContent = label;
        b.dataset.action = action; buttons.appendChild(b);
      };
      if (d.state === "done") {
        if (d.resultUrl) {
          const a = document.createElement("a");
          a.className = "btn btn-sm btn-outline-success"; a.href = d.resultUrl; a.textContent = "查看";
          buttons.appendChild(a);
        }
        add("移除", "btn-outline-secondary", "delete");
      } else {
        add("重试", "btn-primary", "retry");
        if (d.editUrl) add("修改", "btn-outline-secondary", "edit");
        add("删除", "btn-outline-danger", "delete");
      }
      list.appendChild(item);
    }
  }

  async function flush(only) {
    if (!ready) return [];
    const results = await FieldQueue.flush({ user, csrf: csrf(), only });
    await render();
    return results;
  }

  if (list) {
    list.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const uuid = button.closest("[data-uuid]").dataset.uuid;
      const draft = await FieldQueue.get(uuid);
      if (!draft) return render();
      if (button.dataset.action === "delete") {
        if (draft.state !== "done" && !window.confirm("删除后这条草稿和照片无法恢复，确定删除？")) return;
        await FieldQueue.remove(uuid);
        await render();
      } else if (button.dataset.action === "retry") {
        draft.state = "waiting";
        await FieldQueue.put(draft);
        await flush(uuid);
      } else if (button.dataset.action === "edit") {
        if (draft.editUrl !== window.location.pathname) {
          window.location.href = `${draft.editUrl}#draft=${uuid}`;
          return;
        }
        window.history.replaceState(null, "", `#draft=${uuid}`);
        if (window.bootstrap && panel) bootstrap.Offcanvas.getOrCreateInstance(panel).hide();
        await restore();
      }
    });
  }

  // ---- forms kept as drafts --------------------------------------------------------------
  async function compress(file, form) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || body.dataset.keepOriginals === "1" ||
        !window.imageCompression || file.size < 300 * 1024) return file;
    try {
      const small = await imageCompression(file, {
        maxSizeMB: 1, maxWidthOrHeight: Number(body.dataset.photoMax || 1920),
        initialQuality: 0.85, preserveExif: true, useWebWorker: true,
        // Absolute: the library's worker starts from a blob: URL, where a path does not resolve.
        libURL: new URL(form.dataset.compressLib || body.dataset.compressLib,
                        window.location.href).href,
      });
      return small.size < file.size ? small : file;
    } catch (err) {
      return file;  // a format the browser cannot redraw: the server checks the original
    }
  }

  function status(form, html, cls) {
    let box = form.querySelector("[data-draft-status]");
    if (!box) {
      box = document.createElement("div");
      box.dataset.draftStatus = "";
      box.setAttribute("role", "status");
      form.prepend(box);
    }
    box.className = `alert alert-${cls} py-2`;
    box.innerHTML = html;
  }

  async function keep(form, submitter) {
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    const fields = [];
    const files = [];
    const images = [];
    for (const [name, value] of data.entries()) {
      if (name === "csrfmiddlewaretoken") continue;
      if (value instanceof File) { if (value.size) images.push([name, value]); } else fields.push([name, value]);
    }
    let n = 0;
    for (const [name, file] of images) {
      n += 1;
      status(form, `正在压缩照片 ${n}/${images.length}…`, "info");
      const blob = await compress(file, form);
      files.push({ name, blob, filename: file.name || `photo${n}.jpg` });
    }
    const uuid = form.dataset.draftUuid || FieldQueue.newId();
    const old = await FieldQueue.get(uuid);
    const label = form.dataset.label + (form.dataset.labelField ?
      `：${(data.get(form.dataset.labelField) || "").toString().slice(0, 24)}` : "");
    const draft = {
      uuid, user, kind: form.dataset.offline, label, url: form.dataset.api,
      method: form.dataset.method || "POST", result: form.dataset.result || "",
      flashTemplate: form.dataset.flash || "",
      editUrl: window.location.pathname, fields, files, csrf: csrf(), state: "waiting",
      error: "", created: old ? old.created : Date.now(), tries: old ? old.tries : 0,
    };
    await FieldQueue.put(draft);
    form.dataset.draftUuid = uuid;
    if ("serviceWorker" in navigator && window.SyncManager) {
      navigator.serviceWorker.ready.then((reg) => reg.sync.register("field-queue")).catch(() => {});
    }
    return draft;
  }

  function clearFieldErrors(form) {
    form.querySelectorAll(".is-invalid").forEach((el) => el.classList.remove("is-invalid"));
  }

  async function onSubmit(event) {
    const form = event.target;
    if (!ready || event.defaultPrevented || !form.matches("form[data-offline]")) return;
    event.preventDefault();
    const buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      clearFieldErrors(form);
      const draft = await keep(form, event.submitter);
      await render();
      if (!navigator.onLine) {
        status(form, "当前没有网络：已保存到“待上传”，联网后自动上传，可以关闭页面。", "warning");
        form.reset();
        delete form.dataset.draftUuid;
        return;
      }
      status(form, "正在上传…", "info");
      await flush(draft.uuid);
      const now = await FieldQueue.get(draft.uuid);
      if (now && now.state === "done") {
        if (now.flash) sessionStorage.setItem("field-flash", now.flash);
        await FieldQueue.remove(now.uuid);  // sent at once: nothing to show in the queue
        window.location.href = now.resultUrl || window.location.pathname;
      } else if (now && now.state === "failed") {
        status(form, `未能提交：${esc(now.error)}<br>草稿已保留在“待上传”中，修改后重新提交即可。`, "danger");
        Object.keys(now.errors || {}).forEach((name) => {
          const input = form.querySelector(`[name="${name}"]`);
          if (input) input.classList.add("is-invalid");
        });
      } else {
        status(form, "网络不稳定：已保存到“待上传”，联网后自动上传，可以关闭页面。", "warning");
        form.reset();
        delete form.dataset.draftUuid;
      }
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  // "修改" from the queue: the page's form filled again from the draft, photos included.
  async function restore() {
    const m = window.location.hash.match(/draft=([0-9a-f-]{36})/);
    const form = document.querySelector("form[data-offline]");
    if (!m || !form) return;
    const draft = await FieldQueue.get(m[1]);
    if (!draft || draft.user !== user) return;
    form.dataset.draftUuid = draft.uuid;
    for (const [name, value] of draft.fields) {
      form.querySelectorAll(`[name="${name}"]`).forEach((el) => {
        if (el.type === "radio" || el.type === "checkbox") el.checked = el.value === value;
        else if (el.type !== "file") el.value = value;
      });
    }
    const byName = {};
    draft.files.forEach((f) => { (byName[f.name] = byName[f.name] || []).push(f); });
    Object.entries(byName).forEach(([name, kept]) => {
      const input = form.querySelector(`input[type=file][name="${name}"]`);
      if (!input || !window.DataTransfer) return;
      const dt = new DataTransfer();
      kept.forEach((f) => dt.items.add(new File([f.blob], f.filename, { type: f.blob.type })));
      input.files = dt.files;
    });
    if (draft.error) status(form, `上次未能提交：${esc(draft.error)}`, "danger");
  }

  // The message the plain form post would have shown on the next page.
  const flash = sessionStorage.getItem("field-flash");
  if (flash) {
    sessionStorage.removeItem("field-flash");
    const box = document.createElement("div");
    box.className = "alert alert-success alert-dismissible fade show";
    box.setAttribute("role", "alert");
    box.textContent = flash;
    const main = document.querySelector("main");
    if (main) main.prepend(box);
  }

  FieldQueue.all(user).then(() => {
    ready = true;
    document.addEventListener("submit", onSubmit);
    render().then(restore).then(() => { if (navigator.onLine) flush(); });
  }).catch(() => { /* no usable IndexedDB: plain form posts */ });

  window.addEventListener("online", () => flush());
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "field-queue-changed") render();
    });
  }
})();
