/* The officer's page: POST /api/v1/compare, then show the pages, the overlay and the word
   diff, changed digits (ID numbers, dates) marked so they cannot be missed; then certify
   the copy (POST /api/v1/documents/{copy}/certify) and hand out the signed PDF. */
(() => {
  "use strict";
  const { api, errorText, localTime, el, labels } = window.Sohoa;

  const VERDICTS = {
    identical: "Giống bản chính",
    differences: "Có khác biệt",
    manual_check: "Cần kiểm tra thủ công",
  };
  const COMPARE_ERRORS = {
    document_not_ready: "Tài liệu chưa xử lý xong; hãy đợi rồi đối chiếu lại.",
    document_not_found: "Không tìm thấy tài liệu với mã này trong các đơn vị của bạn.",
    page_not_found: "Tài liệu không có trang này.",
    page_count_mismatch: "Số trang hai bên khác nhau: hãy chọn một trang mỗi bên.",
    page_not_comparable: "Trang này không có ảnh quét để đối chiếu.",
  };
  const CRITICAL = "Số/ngày bị thay đổi";

  const form = document.getElementById("form-doi-chieu");
  const stateLine = document.getElementById("trang-thai-doi-chieu");
  const button = document.getElementById("nut-doi-chieu");
  const area = document.getElementById("vung-ket-qua");
  const pagesArea = document.getElementById("cac-trang-doi-chieu");
  const pageTemplate = document.getElementById("mau-trang-doi-chieu");
  const recent = document.getElementById("ds-doi-chieu");

  // A document picked from the dossier fills its id field and bounds the page number.
  form.querySelectorAll("select[data-target]").forEach((select) => {
    select.addEventListener("change", () => {
      const input = document.getElementById(select.dataset.target);
      input.value = select.value;
      const option = select.selectedOptions[0];
      const page = document.getElementById(select.dataset.target.replace("-id", "-trang"));
      if (option && option.dataset.pages) page.max = option.dataset.pages;
    });
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const side = (name) => ({
      document_id: form.elements[name].value.trim(),
      page: Number(form.elements[`${name}_page`].value) || 1,
    });
    button.disabled = true;
    stateLine.className = "form-state";
    stateLine.textContent = "Đang đối chiếu…";
    const answer = await api("POST", "/api/v1/compare", {
      original: side("original"),
      copy: side("copy"),
    });
    button.disabled = false;
    if (!answer.ok) {
      const code = answer.data && answer.data.error && answer.data.error.code;
      stateLine.className = "form-state notice error";
      stateLine.textContent = COMPARE_ERRORS[code] || errorText(answer.status, answer.data);
      return;
    }
    stateLine.textContent = "";
    showResult(answer.data);
    loadRecent();
  });

  // ------------------------------------------------------------ the result

  function words(value) {
    if (typeof value === "string") return value;
    return (value || []).map((w) => (typeof w === "string" ? w : w.text)).join(" ");
  }

  function sideText(op, name) {
    return op[`${name}_text`] !== undefined ? op[`${name}_text`] : words(op[name]);
  }

  /** A side of a replaced word pair, the changed characters in bold when the engine gave them. */
  function sideNode(tag, op, name) {
    const node = el(tag);
    if (Array.isArray(op.chars) && op.chars.length) {
      op.chars.forEach((span) => {
        const text = span[name];
        if (!text) return;
        node.appendChild(span.op === "equal" ? document.createTextNode(text) : el("strong", "", text));
      });
    } else {
      node.textContent = sideText(op, name);
    }
    return node;
  }

  function criticalNode(op) {
    const mark = el("mark", "critical");
    mark.setAttribute("role", "note");
    mark.dataset.original = sideText(op, "original");
    mark.dataset.copy = sideText(op, "copy");
    mark.appendChild(el("span", "label", `${CRITICAL}:`));
    if (sideText(op, "original")) mark.appendChild(sideNode("del", op, "original"));
    mark.appendChild(document.createTextNode(" → "));
    if (sideText(op, "copy")) mark.appendChild(sideNode("ins", op, "copy"));
    return mark;
  }

  /** The word diff of one page: equal words plain, line by line; changes marked. */
  function wordDiff(target, ops) {
    let line = null;
    let current = el("span", "line");
    target.appendChild(current);
    const breakAt = (wordLine) => {
      if (wordLine === undefined || wordLine === null) return;
      if (line !== null && wordLine !== line) {
        current = el("span", "line");
        target.appendChild(current);
      }
      line = wordLine;
    };
    const add = (node) => {
      current.appendChild(node);
      current.appendChild(document.createTextNode(" "));
    };
    (ops || []).forEach((op) => {
      const first = Array.isArray(op.original) && op.original.length ? op.original[0] : null;
      if (op.op === "equal" || op.status === "same") {
        if (Array.isArray(op.original)) {
          op.original.forEach((w) => {
            breakAt(w.line);
            add(document.createTextNode(typeof w === "string" ? w : w.text));
          });
        } else {
          add(document.createTextNode(sideText(op, "original")));
        }
        return;
      }
      if (first) breakAt(first.line);
      if (op.critical && op.status !== "ocr_uncertain") {
        add(criticalNode(op));
        return;
      }
      const group = el("span", op.status === "ocr_uncertain" ? "uncertain" : "change");
      if (op.status === "ocr_uncertain") {
        group.title = "OCR đọc hai bên khác nhau nhưng ảnh giống nhau: không tính là khác biệt";
      }
      if (sideText(op, "original")) group.appendChild(sideNode("del", op, "original"));
      if (sideText(op, "original") && sideText(op, "copy")) group.appendChild(document.createTextNode(" "));
      if (sideText(op, "copy")) group.appendChild(sideNode("ins", op, "copy"));
      add(group);
    });
  }

  function imageUrl(documentId, page) {
    return `/api/v1/documents/${encodeURIComponent(documentId)}/pages/${page}/image?size=full`;
  }

  function showResult(result) {
    area.hidden = false;
    const verdict = document.getElementById("ket-luan");
    verdict.className = `verdict ${result.verdict}`;
    const line = result.verdict_text || `${result.difference_count} chỗ khác nhau`;
    verdict.textContent = `${VERDICTS[result.verdict] || result.verdict}: ${line}`;
    const report = document.getElementById("bao-cao");
    report.href = result.links.report_pdf;

    const criticalList = document.getElementById("thay-doi-quan-trong");
    criticalList.replaceChildren();
    pagesArea.replaceChildren();
    const original = (result.original && result.original.document_id) || "";
    const copy = (result.copy && result.copy.document_id) || "";
    (result.pages || []).forEach((page, index) => {
      const number = page.page || index + 1;
      const originalPage = page.original_page || number;
      const copyPage = page.copy_page || number;
      (page.text_ops || [])
        .filter((op) => op.critical && op.status !== "ocr_uncertain" && op.op !== "equal")
        .forEach((op) => {
          const item = el("li");
          item.appendChild(criticalNode(op));
          item.appendChild(el("span", "muted", ` trang ${originalPage}`));
          criticalList.appendChild(item);
        });
      (page.regions || [])
        .filter((r) => r.critical && (r.text_op === null || r.text_op === undefined))
        .forEach((region) => {
          const item = el("li");
          const mark = el("mark", "critical");
          mark.appendChild(el("span", "label", `${CRITICAL}:`));
          mark.appendChild(document.createTextNode(` vùng chữ số ở trang ${originalPage} (xem ảnh chồng)`));
          item.appendChild(mark);
          criticalList.appendChild(item);
        });

      const block = pageTemplate.content.firstElementChild.cloneNode(true);
      block.querySelector(".cp-title").textContent =
        `Trang ${originalPage} của bản chính – trang ${copyPage} của bản sao`;
      block.querySelector(".cp-verdict").textContent = page.verdict_line || "";
      const setImage = (selector, src, alt) => {
        const img = block.querySelector(selector);
        img.src = src;
        img.alt = alt;
      };
      if (original) setImage(".cp-original", imageUrl(original, originalPage), `Bản chính, trang ${originalPage}`);
      if (copy) setImage(".cp-copy", imageUrl(copy, copyPage), `Bản sao, trang ${copyPage}`);
      const overlay = (result.links.overlays && result.links.overlays[index]) ||
        String(result.links.overlay || "").replace("{n}", number);
      setImage(".cp-overlay", overlay, `Chỗ khác nhau, trang ${originalPage}`);
      wordDiff(block.querySelector(".word-diff"), page.text_ops);
      pagesArea.appendChild(block);
    });
    prepareCertify(result);
    const heading = document.getElementById("ket-qua");
    heading.scrollIntoView({ block: "start" });
    heading.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------ certifying the copy

  const certifyForm = document.getElementById("form-chung-thuc");
  const certifyButton = document.getElementById("nut-chung-thuc");
  const certifyState = document.getElementById("trang-thai-chung-thuc");
  const mustCheck = document.getElementById("can-kiem-tra");
  const checkButton = document.getElementById("nut-da-kiem-tra");
  const lookYourself = document.getElementById("kiem-tra-thu-cong");
  const certified = document.getElementById("da-chung-thuc");
  let shown = null; // {comparison, copy, checkedUrl}: the comparison the section certifies on

  function say(line, text, error) {
    line.className = error ? "form-state notice error" : "form-state";
    line.textContent = text;
  }

  /** The Vietnamese line for a refused call: the page's own words for the code, when known. */
  function refusal(answer) {
    const code = answer.data && answer.data.error && answer.data.error.code;
    return (code && labels.errors && labels.errors[code]) || errorText(answer.status, answer.data);
  }

  /** Differences must be looked at and cleared ("Đã kiểm tra") before the copy is certified. */
  function needsCheck(waiting) {
    mustCheck.hidden = !waiting;
    checkButton.disabled = false;
    certifyButton.disabled = waiting;
  }

  function prepareCertify(result) {
    shown = {
      comparison: result.id,
      copy: (result.copy && result.copy.document_id) || "",
      checkedUrl: `${result.links.self}/checked`,
    };
    certified.hidden = true;
    certifyForm.hidden = false;
    say(certifyState, "");
    lookYourself.hidden = result.verdict !== "manual_check";
    needsCheck(result.verdict === "differences");
  }

  checkButton.addEventListener("click", async () => {
    if (!shown) return;
    checkButton.disabled = true;
    const answer = await api("POST", shown.checkedUrl);
    const code = answer.data && answer.data.error && answer.data.error.code;
    if (answer.ok || code === "not_in_queue") {
      // not_in_queue: cleared before (a saved comparison opened again).
      needsCheck(false);
      say(certifyState, "Đã ghi nhận: đã kiểm tra các chỗ khác nhau. Có thể chứng thực.");
      certifyButton.focus();
    } else {
      checkButton.disabled = false;
      say(certifyState, refusal(answer), true);
    }
  });

  certifyForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!shown || !shown.copy) return;
    const body = { comparison_id: shown.comparison };
    const requester = certifyForm.elements.requester.value.trim();
    const fee = certifyForm.elements.fee.value.trim();
    if (requester) body.requester = requester;
    if (fee) body.fee = Number(fee);
    certifyButton.disabled = true;
    say(certifyState, "Đang ký số bản sao…");
    const answer = await api(
      "POST",
      `/api/v1/documents/${encodeURIComponent(shown.copy)}/certify`,
      body,
    );
    if (!answer.ok) {
      const code = answer.data && answer.data.error && answer.data.error.code;
      say(certifyState, refusal(answer), true);
      if (code === "comparison_differences") needsCheck(true);
      else certifyButton.disabled = code === "already_certified";
      return;
    }
    const entry = answer.data;
    say(certifyState, "");
    certifyForm.hidden = true;
    mustCheck.hidden = true;
    lookYourself.hidden = true;
    document.getElementById("so-chung-thuc").textContent =
      `Đã chứng thực: Số chứng thực ${entry.number}, Quyển số ${entry.book}`;
    document.getElementById("tai-ban-sao").href = entry.links.pdf;
    document.getElementById("trang-kiem-tra").href = entry.links.verify;
    certified.hidden = false;
    document.getElementById("tai-ban-sao").focus();
  });

  // ------------------------------------------------------------ recent comparisons

  async function open(url) {
    const answer = await api("GET", url);
    if (answer.ok) showResult(answer.data);
    else {
      stateLine.className = "form-state notice error";
      stateLine.textContent = errorText(answer.status, answer.data);
    }
  }

  async function loadRecent() {
    const answer = await api("GET", "/api/v1/comparisons?limit=10");
    recent.replaceChildren();
    if (!answer.ok) {
      recent.appendChild(el("li", "muted", errorText(answer.status, answer.data)));
      return;
    }
    const items = Array.isArray(answer.data) ? answer.data : answer.data.items || [];
    if (items.length === 0) {
      recent.appendChild(el("li", "muted", "Chưa có lần đối chiếu nào."));
      return;
    }
    items.forEach((item) => {
      const li = el("li");
      li.appendChild(el("span", `badge verdict-${item.verdict}`, VERDICTS[item.verdict] || item.verdict));
      const link = el("a", "", item.verdict_text || item.id);
      link.href = `/doi-chieu?id=${encodeURIComponent(item.id)}`;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        open(item.links.self);
      });
      li.appendChild(link);
      li.appendChild(el("span", "muted", ` · ${localTime(item.created_at)}`));
      recent.appendChild(li);
    });
  }

  // A saved comparison opened as /doi-chieu?id=…: the page already read it (and recorded the read).
  const saved = document.getElementById("doi-chieu-da-luu");
  if (saved) showResult(JSON.parse(saved.textContent || "{}"));
  loadRecent();
})();
