// The video course form: send the chosen file in pieces (Blob.slice) to /console/uploads,
// show a big progress bar, keep going after a dropped connection (retries with backoff, from
// where the server says it is), and publish once the file is in. A reloaded page continues an
// unfinished upload when the same file is chosen again: the server recognises it by name,
// size and modification time.
(function () {
  "use strict";
  var form = document.querySelector("form[data-video-form]");
  if (!form) { return; }
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var CHUNK = parseInt(form.getAttribute("data-chunk-bytes"), 10) || 4194304;
  var MAX = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var MAX_WAIT = 15000;

  function $(selector) { return form.querySelector(selector); }
  var input = $("[data-video-input]");
  var idField = $("[data-upload-id]");
  var status = $("[data-video-status]");
  var box = $("[data-progress]");
  var bar = $("[data-bar]");
  var percent = $("[data-percent]");
  var left = $("[data-left]");
  var nameEl = $("[data-name]");
  var label = $("[data-video-label]");
  var button = $("[data-publish-button]");
  var unfinished = document.querySelector("[data-unfinished]");

  var state = {
    file: null, id: idField.value, size: 0, offset: 0, generation: 0, retries: 0,
    busy: false, complete: status.getAttribute("data-complete") === "yes",
    coverBusy: false, submitWhenDone: false
  };

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  function say(text, bad) {
    status.textContent = text;
    status.classList.toggle("bad", !!bad);
  }

  function show(received, size) {
    var part = size ? Math.min(1, received / size) : 0;
    box.hidden = false;
    bar.value = Math.floor(part * 1000);
    bar.textContent = percent.textContent = Math.floor(part * 100) + "%";
    left.textContent = received >= size ? "已上传完成" : "剩余 " + megabytes(size - received);
  }

  // One request; always resolves with {status, answer} (status 0: no answer at all).
  function call(method, url, body, headers, onProgress) {
    return new Promise(function (resolve) {
      var request = new XMLHttpRequest();
      request.open(method, url);
      request.timeout = 300000;
      Object.keys(headers || {}).forEach(function (key) { request.setRequestHeader(key, headers[key]); });
      if (onProgress && request.upload) {
        request.upload.onprogress = function (event) { onProgress(event.loaded); };
      }
      request.onload = function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
        resolve({ status: request.status, answer: answer });
      };
      request.onerror = request.ontimeout = request.onabort = function () {
        resolve({ status: 0, answer: null });
      };
      request.send(body);
    });
  }

  function stale(generation) { return generation !== state.generation; }

  function begin(file) {
    state.generation += 1;
    var generation = state.generation;
    state.file = file; state.size = file.size; state.offset = 0; state.retries = 0;
    state.id = ""; state.complete = false; state.busy = true;
    idField.value = "";
    nameEl.textContent = file.name;
    if (unfinished) { unfinished.hidden = true; }
    if (file.size === 0) { fail("这个文件是空的，请重新选择"); return; }
    if (MAX && file.size > MAX) { fail("文件太大（上限 " + megabytes(MAX) + "），请压缩后再上传"); return; }
    show(0, file.size);
    say("正在开始上传…");
    var body = JSON.stringify({
      size: file.size, purpose: "video", filename: file.name.slice(0, 200),
      fingerprint: String(file.lastModified || "")
    });
    call("POST", "/console/uploads", body,
      { "Content-Type": "application/json", "X-CSRF-Token": csrf }).then(function (result) {
      if (stale(generation)) { return; }
      if (result.status === 200 || result.status === 201) {
        state.id = idField.value = result.answer.id;
        state.retries = 0;
        if (result.status === 200 && result.answer.received) {
          say("接着上次的进度继续上传…");
        }
        progressed(generation, result.answer);
      } else if (transient(result)) {
        interrupted(generation, function () { begin(file); });
      } else {
        refused(result);
      }
    });
  }

  function progressed(generation, answer) {
    state.offset = answer.received;
    show(answer.received, state.size);
    if (answer.complete) { finished(answer); } else { next(generation); }
  }

  function next(generation) {
    if (stale(generation)) { return; }
    // Everything is there but not yet checked (an answer was lost): send the last byte again.
    var start = Math.min(state.offset, state.size - 1);
    var end = Math.min(start + CHUNK, state.size);
    if (state.retries === 0) { say("正在上传… 请不要关闭页面"); }
    call("PUT", "/console/uploads/" + encodeURIComponent(state.id), state.file.slice(start, end), {
      "Content-Type": "application/octet-stream",
      "Content-Range": "bytes " + start + "-" + (end - 1) + "/" + state.size,
      "X-CSRF-Token": csrf
    }, function (loaded) {
      if (!stale(generation)) { show(start + loaded, state.size); }
    }).then(function (result) {
      if (stale(generation)) { return; }
      if (result.status === 200 && result.answer) {
        if (state.retries) { say("已恢复连接，继续上传…"); }
        state.retries = 0;
        progressed(generation, result.answer);
      } else if (result.status === 409) {
        setTimeout(function () { ask(generation); }, 2000); // a gap or a busy piece: ask where
      } else if (transient(result)) {
        interrupted(generation, function () { ask(generation); });
      } else {
        refused(result);
      }
    });
  }

  // Where the server is, after an interruption.
  function ask(generation) {
    if (stale(generation)) { return; }
    call("GET", "/console/uploads/" + encodeURIComponent(state.id), null, {}).then(function (result) {
      if (stale(generation)) { return; }
      if (result.status === 200 && result.answer) {
        if (result.answer.error) { fail(result.answer.error); return; }
        progressed(generation, result.answer);
      } else if (transient(result)) {
        interrupted(generation, function () { ask(generation); });
      } else {
        refused(result);
      }
    });
  }

  function transient(result) {
    var code = result.answer && result.answer.code;
    if (result.status === 0 || result.status === 502 || result.status === 504) { return true; }
    if (result.status === 400 && code === "upload_incomplete") { return true; }
    return result.status >= 500 && code !== "disk_full" && code !== "probe_unavailable";
  }

  function interrupted(generation, again) {
    state.retries += 1;
    var wait = Math.min(MAX_WAIT, 1000 * Math.pow(2, state.retries - 1));
    say("网络中断，正在续传…（第 " + state.retries + " 次重试）", true);
    setTimeout(function () { if (!stale(generation)) { again(); } }, wait);
  }

  function refused(result) {
    var answer = result.answer;
    if (result.status === 403 && !answer) {
      fail("页面已过期，请刷新页面后重新选择同一个文件，将从断点继续");
    } else {
      fail(answer && answer.detail ? answer.detail : "上传失败（" + result.status + "），请重新选择文件");
    }
  }

  function finished(answer) {
    state.busy = false;
    state.complete = true;
    show(state.size, state.size);
    var video = answer.asset && answer.asset.video;
    var length = video ? "，时长 " + Math.floor(video.length_seconds / 60) + " 分 " +
      Math.round(video.length_seconds % 60) + " 秒" : "";
    say("视频已上传" + length + "。");
    label.textContent = "换一个视频";
    settle();
  }

  function fail(text) {
    state.busy = false;
    state.complete = false;
    idField.value = "";
    say(text, true);
    settle();
  }

  // --- the cover, uploaded as the poster pages upload photos ---------------------------------

  var coverInput = $("[data-cover-input]");
  var coverSha = $("[data-cover-sha]");
  var coverImg = $("[data-cover-img]");
  var coverStatus = $("[data-cover-status]");

  function uploadCover(file) {
    var body = new FormData();
    body.append("file", file);
    state.coverBusy = true;
    coverSha.value = "";
    coverStatus.textContent = "正在上传封面…";
    coverStatus.classList.remove("bad");
    call("POST", "/console/publish/upload", body, { "X-CSRF-Token": csrf }).then(function (result) {
      state.coverBusy = false;
      if (result.status === 201 && result.answer) {
        coverSha.value = result.answer.sha256;
        coverImg.src = result.answer.url;
        coverImg.hidden = false;
        coverStatus.textContent = "封面已上传。";
      } else {
        coverStatus.textContent = (result.answer && result.answer.detail) || "封面上传失败，请重新选择";
        coverStatus.classList.add("bad");
      }
      settle();
    });
  }

  // --- publishing -----------------------------------------------------------------------

  function lock(text) { button.disabled = true; button.textContent = text; }
  function unlock() { button.disabled = false; button.textContent = "发布"; }

  function settle() {
    if (!state.submitWhenDone || state.busy || state.coverBusy) { return; }
    state.submitWhenDone = false;
    if (state.complete) { lock("正在发布…"); form.submit(); } else { unlock(); }
  }

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (file) { begin(file); }
  });
  if (coverInput) {
    coverInput.addEventListener("change", function () {
      var file = coverInput.files && coverInput.files[0];
      if (file) { uploadCover(file); }
    });
  }
  form.addEventListener("submit", function (event) {
    if (state.busy || state.coverBusy) {
      event.preventDefault();
      state.submitWhenDone = true;
      lock(state.busy ? "视频上传完成后自动发布…" : "封面上传完成后自动发布…");
      return;
    }
    if (!state.complete || !idField.value) {
      event.preventDefault();
      say("请先选择视频文件，等它上传完成", true);
      return;
    }
    lock("正在发布…");
  });
  window.addEventListener("pageshow", unlock);
  window.addEventListener("beforeunload", function (event) {
    if (state.busy) { event.preventDefault(); event.returnValue = ""; }
  });

  // Custom start and end times only when "自定义" is chosen.
  var choice = $("[data-window-choice]");
  var custom = $("[data-custom-window]");
  if (choice && custom) {
    var update = function () { custom.hidden = choice.value !== "custom"; };
    choice.addEventListener("change", update);
    update();
  }
})();
