/* The document page: send the type and field corrections as PATCH /api/v1/documents/{id}. */
(() => {
  "use strict";
  const { api, errorText, el } = window.Sohoa;

  const form = document.getElementById("form-hieu-chinh");
  if (!form) return;
  const typeSelect = document.getElementById("loai");
  const certified = document.getElementById("ban-sao");
  const stateLine = document.getElementById("trang-thai-luu");
  const button = form.querySelector('button[type="submit"]');

  /** Only what the person changed: the API keeps it as their correction. */
  function changes() {
    const patch = {};
    if (typeSelect.value && typeSelect.value !== typeSelect.dataset.initial) {
      patch.document_type = typeSelect.value;
    }
    const wasCertified = certified.dataset.initial === "true";
    if (certified.checked !== wasCertified) patch.is_certified_copy = certified.checked;
    const fields = {};
    form.querySelectorAll("input[data-field]").forEach((input) => {
      const value = input.value.normalize("NFC").trim();
      // An accepted doubtful value is sent as it is: the person's confirmation.
      const accepted = input.dataset.accepted === "1" && value !== "";
      if (value !== input.dataset.initial || accepted) {
        fields[input.dataset.field] = value === "" ? null : value;
      }
    });
    if (Object.keys(fields).length) patch.fields = fields;
    return patch;
  }

  function saved(doc) {
    typeSelect.dataset.initial = doc.document_type || "";
    certified.dataset.initial = doc.is_certified_copy ? "true" : "false";
    const current = document.getElementById("loai-hien-tai");
    current.textContent = doc.type_label || "";
    form.querySelectorAll("input[data-field]").forEach((input) => {
      const field = doc.fields && doc.fields[input.dataset.field];
      if (!field || !field.corrected) return;
      input.dataset.initial = input.value.normalize("NFC").trim();
      delete input.dataset.accepted;
      delete input.dataset.doubtful;
      const row = input.closest(".field");
      row.classList.remove("low");
      input.removeAttribute("aria-invalid");
      const confidence = document.getElementById(`tin-cay-${input.dataset.field}`);
      confidence.replaceChildren(el("span", "badge ok", "Đã hiệu chỉnh"));
    });
  }

  // ---------------------------------------------------------------- where each field was read

  const CROP_MARGIN = 8; // pixels of the scan around the box: the label beside it shows too
  const CROP_MAX_WIDTH = 360;
  const images = new Map();
  function pageImage(src) {
    if (!images.has(src)) {
      images.set(
        src,
        new Promise((resolve, reject) => {
          const img = new Image();
          img.onload = () => resolve(img);
          img.onerror = reject;
          img.src = src;
        }),
      );
    }
    return images.get(src);
  }

  /** Draw the piece of the page image the field was read from (its box, in page pixels). */
  async function drawCrop(canvas) {
    const [x0, y0, x1, y1] = canvas.dataset.box.split(",").map(Number);
    let img;
    try {
      img = await pageImage(canvas.dataset.src);
    } catch (_) {
      canvas.hidden = true;
      return;
    }
    const left = Math.max(0, x0 - CROP_MARGIN);
    const top = Math.max(0, y0 - CROP_MARGIN);
    const width = Math.min(img.naturalWidth, x1 + CROP_MARGIN) - left;
    const height = Math.min(img.naturalHeight, y1 + CROP_MARGIN) - top;
    if (width <= 0 || height <= 0) {
      canvas.hidden = true; // a box outside the image: nothing honest to show
      return;
    }
    const scale = Math.min(1, CROP_MAX_WIDTH / width);
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(img, left, top, width, height, 0, 0, canvas.width, canvas.height);
    canvas.dataset.drawn = "1";
  }
  form.querySelectorAll("canvas.field-crop").forEach(drawCrop);

  // ---------------------------------------------------------------- doubtful fields, by keyboard

  const doubtful = () => [...form.querySelectorAll('input[data-doubtful="1"]:not([data-accepted="1"])')];

  function nextDoubtful(after) {
    const all = [...form.querySelectorAll('input[data-doubtful="1"]')];
    const start = after ? all.indexOf(after) + 1 : 0;
    return all.slice(start).find((input) => input.dataset.accepted !== "1") || doubtful()[0];
  }

  const firstButton = document.getElementById("nut-truong-can-xem");
  if (firstButton) {
    firstButton.addEventListener("click", () => {
      const first = nextDoubtful(null);
      if (first) first.focus();
    });
  }

  form.addEventListener("keydown", (event) => {
    const input = event.target;
    if (event.key !== "Enter" || !(input instanceof HTMLInputElement) || input.dataset.doubtful !== "1") {
      return;
    }
    event.preventDefault(); // Enter here accepts the value; the button saves
    input.dataset.accepted = "1";
    input.closest(".field").classList.add("accepted");
    const next = nextDoubtful(input);
    if (next && next !== input) {
      next.focus();
      next.select();
    } else {
      button.focus();
      stateLine.textContent = "Đã xem hết các trường cần kiểm tra: bấm “Lưu hiệu chỉnh”.";
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const patch = changes();
    if (Object.keys(patch).length === 0) {
      stateLine.textContent = "Không có gì thay đổi.";
      return;
    }
    button.disabled = true;
    stateLine.textContent = "Đang lưu…";
    const answer = await api("PATCH", form.dataset.url, patch);
    button.disabled = false;
    if (answer.ok) {
      saved(answer.data);
      stateLine.textContent = "Đã lưu hiệu chỉnh.";
      stateLine.className = "form-state notice ok";
    } else {
      stateLine.textContent = errorText(answer.status, answer.data);
      stateLine.className = "form-state notice error";
    }
  });
})();
