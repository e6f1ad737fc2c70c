/* The dossier page: upload files (drag and drop or the button), one progress bar each,
   then follow each document through the pipeline until it is done or failed. */
(() => {
  "use strict";
  const { api, csrf, errorText, statusLabel, el } = window.Sohoa;

  const POLL_MS = 2000;
  const list = document.getElementById("ds-tai-lieu");
  const zone = document.getElementById("vung-tha");
  const uploads = document.getElementById("dang-tai");
  const rowTemplate = document.getElementById("mau-tai-lieu");
  const uploadTemplate = document.getElementById("mau-tai-len");
  const canWrite = Boolean(zone);
  const queue = [];
  let sending = false;

  // ------------------------------------------------------------ documents and their progress

  const busy = (status) => status === "queued" || status === "processing";

  function rowFor(id) {
    return list.querySelector(`.doc[data-id="${CSS.escape(id)}"]`);
  }

  function newRow(id, filename) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.dataset.id = id;
    row.querySelectorAll("a").forEach((a) => {
      a.href = `/tai-lieu/${encodeURIComponent(id)}`;
    });
    row.querySelector(".doc-name a").textContent = filename;
    row.querySelector(".doc-progress").setAttribute("aria-label", `Tiến độ xử lý ${filename}`);
    list.appendChild(row);
    wire(row);
    document.getElementById("chua-co").hidden = true;
    document.getElementById("so-tai-lieu").textContent = list.children.length;
    return row;
  }

  /** Show a document as the API describes it (GET /api/v1/documents/{id}). */
  function show(row, doc) {
    row.dataset.status = doc.status;
    const badge = row.querySelector(".badge");
    badge.className = `badge status-${doc.status}`;
    badge.textContent = statusLabel(doc.status);
    const total = doc.progress.page_count;
    const done = doc.progress.pages_done;
    row.querySelector(".doc-pages").textContent = total ? `Trang: ${done}/${total}` : "";
    const bar = row.querySelector(".doc-progress");
    bar.max = Math.max(total, 1);
    bar.value = done;
    bar.hidden = !busy(doc.status);
    row.querySelector(".doc-type").textContent = doc.status === "done" ? doc.type_label || "" : "";
    const error = row.querySelector(".doc-error");
    const failedPage = (doc.pages || []).find((p) => p.failure_reason);
    const reason = doc.failure_reason || (failedPage && failedPage.failure_reason) || "";
    error.textContent = reason ? `Lý do: ${reason}` : "Xử lý không thành công.";
    error.hidden = doc.status !== "failed";
    const hopeless = doc.status === "failed" && doc.retry_can_help === false;
    row.querySelector(".retry").hidden = !(doc.status === "failed" && canWrite && !hopeless);
    row.querySelector(".doc-no-retry").hidden = !hopeless;
    const first = (doc.pages || []).find((p) => p.number === 1);
    if (first && first.status === "done" && first.links.thumbnail && !row.querySelector(".thumb img")) {
      const img = el("img");
      img.loading = "lazy";
      img.decoding = "async";
      img.width = 120;
      img.alt = "";
      img.src = first.links.thumbnail;
      const placeholder = row.querySelector(".no-thumb");
      if (placeholder) placeholder.replaceWith(img);
      else row.querySelector(".thumb").appendChild(img);
    }
  }

  /** Fetch the checklist section again (server-rendered) once a document has finished. */
  const checklist = document.getElementById("thanh-phan-o");
  async function refreshChecklist() {
    if (!checklist) return;
    try {
      const answer = await fetch(checklist.dataset.url, { credentials: "same-origin" });
      if (answer.ok) checklist.innerHTML = await answer.text();
    } catch (_) {
      // a passing outage: the next finished document refreshes it again
    }
  }

  /** Poll the document every two seconds until it is done or failed. */
  function watch(row) {
    if (row.dataset.watching === "1") return;
    row.dataset.watching = "1";
    const tick = async () => {
      const answer = await api("GET", `/api/v1/documents/${encodeURIComponent(row.dataset.id)}`);
      if (answer.ok) {
        show(row, answer.data);
        if (busy(answer.data.status)) {
          setTimeout(tick, POLL_MS);
          return;
        }
        refreshChecklist();
      } else if (answer.status === 0 || answer.status >= 500) {
        setTimeout(tick, POLL_MS * 2); // a passing outage: keep following
        return;
      } else {
        const error = row.querySelector(".doc-error");
        error.textContent = errorText(answer.status, answer.data);
        error.hidden = false;
      }
      row.dataset.watching = "";
    };
    setTimeout(tick, POLL_MS);
  }

  function wire(row) {
    const retry = row.querySelector(".retry");
    retry.addEventListener("click", async () => {
      retry.disabled = true;
      const url = `/api/v1/documents/${encodeURIComponent(row.dataset.id)}/reprocess`;
      const answer = await api("POST", url);
      retry.disabled = false;
      if (answer.ok || (answer.data && answer.data.error && answer.data.error.code === "document_busy")) {
        show(row, {
          status: "queued",
          progress: { pages_done: 0, page_count: 0 },
          pages: [],
          type_label: "",
        });
        watch(row);
      } else {
        const error = row.querySelector(".doc-error");
        error.textContent = errorText(answer.status, answer.data);
        error.hidden = false;
      }
    });
  }

  list.querySelectorAll(".doc").forEach((row) => {
    wire(row);
    if (busy(row.dataset.status)) watch(row);
  });

  if (!canWrite) return;

  // ------------------------------------------------------------ uploads

  const input = document.getElementById("chon-tep");
  const button = document.getElementById("nut-chon-tep");
  const url = zone.dataset.uploadUrl;

  button.addEventListener("click", () => input.click());
  const together = document.getElementById("mot-giay-to");
  input.addEventListener("change", () => {
    enqueue(Array.from(input.files));
    input.value = "";
  });

  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    enqueue(Array.from(event.dataTransfer.files));
  });
  // A file dropped beside the zone must not replace the page with the file.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());

  /** Files chosen together: one job each, or one job for all when they are the pictures
   * of one paper's pages (the box ticked), sent in the order chosen as one document. */
  function enqueue(files) {
    const jobs = together && together.checked && files.length > 1
      ? [{ files, name: `${files.length} ảnh: ${files.map((f) => f.name).join(", ")}` }]
      : files.map((file) => ({ files: [file], name: file.name }));
    jobs.forEach((job) => {
      const item = uploadTemplate.content.firstElementChild.cloneNode(true);
      item.querySelector(".up-name").textContent = job.name;
      item.querySelector(".up-progress").setAttribute("aria-label", `Tải lên ${job.name}`);
      job.item = item;
      item.querySelector(".up-retry").addEventListener("click", () => {
        item.classList.remove("failed");
        item.querySelector(".up-retry").hidden = true;
        state(job, "Đang chờ tải lên");
        queue.push(job);
        pump();
      });
      uploads.appendChild(item);
      queue.push(job);
    });
    pump();
  }

  function state(job, text) {
    job.item.querySelector(".up-state").textContent = text;
  }

  /** One file at a time: on a slow line the first file starts processing sooner. */
  function pump() {
    if (sending || queue.length === 0) return;
    sending = true;
    send(queue.shift()).finally(() => {
      sending = false;
      pump();
    });
  }

  function send(job) {
    return new Promise((resolve) => {
      const bar = job.item.querySelector(".up-progress");
      const xhr = new XMLHttpRequest();
      const target = new URL(url, window.location.href);
      if (job.files.length > 1) target.searchParams.set("one_document", "true");
      xhr.open("POST", target.toString());
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.responseType = "text";
      xhr.upload.addEventListener("progress", (event) => {
        if (!event.lengthComputable) return;
        const percent = Math.round((event.loaded / event.total) * 100);
        bar.value = percent;
        state(job, `Đang tải lên: ${percent} %`);
      });
      xhr.addEventListener("load", () => {
        let data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch (error) {
          data = null;
        }
        finished(job, xhr.status, data);
        resolve();
      });
      xhr.addEventListener("error", () => {
        failed(job, errorText(0, null));
        resolve();
      });
      const form = new FormData();
      job.files.forEach((file) => form.append("files", file, file.name));
      state(job, "Đang tải lên: 0 %");
      xhr.send(form);
    });
  }

  function finished(job, status, data) {
    const result = data && Array.isArray(data.files) ? data.files[0] : null;
    const doc = result && result.document;
    if ((status === 202 || status === 207) && doc) {
      job.item.querySelector(".up-progress").value = 100;
      const existing = rowFor(doc.id);
      if (existing) {
        state(job, "Tệp này đã có trong hồ sơ.");
        existing.scrollIntoView({ block: "nearest" });
        return;
      }
      job.item.remove();
      const row = newRow(doc.id, job.files.length > 1 ? job.name : job.files[0].name);
      show(row, { status: doc.status, progress: { pages_done: 0, page_count: 0 }, pages: [] });
      if (busy(doc.status)) watch(row);
      return;
    }
    const error = result && result.error ? { error: result.error } : data;
    failed(job, errorText(status, error));
  }

  function failed(job, text) {
    job.item.classList.add("failed");
    state(job, text);
    job.item.querySelector(".up-retry").hidden = false;
  }
})();
