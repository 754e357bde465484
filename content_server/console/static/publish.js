// The publishing forms: upload a chosen photo at once and show it as the server stored it
// (upright, converted), keep the preview up to date, and publish only once the photo is in.
// Without this script the forms still work: the photo then travels with the form.
(function () {
  "use strict";
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";

  function each(root, selector, fn) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function setup(form) {
    var state = { uploading: null, failed: false, submitWhenDone: false };
    var input = form.querySelector("[data-photo-input]");
    var sha = form.querySelector("[data-photo-sha]");
    var status = form.querySelector("[data-photo-status]");
    var button = form.querySelector("[data-publish-button]");

    function say(text, bad) {
      if (!status) { return; }
      status.textContent = text;
      status.classList.toggle("bad", !!bad);
    }

    function showPhoto(url) {
      each(form, "img[data-photo]", function (img) { img.src = url; img.hidden = false; });
      each(form, "[data-photo-empty]", function (el) { el.hidden = true; });
    }

    function upload(file) {
      var body = new FormData();
      body.append("file", file);
      var request = new XMLHttpRequest();
      state.uploading = request;
      state.failed = false;
      sha.value = "";
      request.open("POST", "/console/publish/upload");
      request.setRequestHeader("X-CSRF-Token", csrf);
      request.upload.onprogress = function (event) {
        if (event.lengthComputable) {
          say("正在上传 " + Math.floor(event.loaded * 100 / event.total) + "%…");
        }
      };
      request.onload = function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
        if (request.status === 201 && answer && answer.sha256) {
          sha.value = answer.sha256;
          showPhoto(answer.url);
          say("照片已上传。");
          var label = form.querySelector(".photo-button");
          if (label) { label.textContent = "换一张照片"; }
          done(true);
        } else if (request.status === 403 && !answer) {
          fail("页面已过期，请刷新页面后重试");
        } else {
          fail(answer && answer.detail ? answer.detail : "上传失败，请重新选择照片");
        }
      };
      request.onerror = function () { fail("网络中断，照片没有上传成功，请重新选择照片"); };
      request.send(body);
      say("正在上传…");
    }

    function fail(text) {
      state.failed = true;
      say(text, true);
      done(false);
    }

    function done(ok) {
      state.uploading = null;
      if (state.submitWhenDone) {
        state.submitWhenDone = false;
        if (ok) { send(); } else { unlock(); }
      }
    }

    function lock(text) {
      if (button) { button.disabled = true; button.textContent = text; }
    }

    function unlock() {
      if (button) { button.disabled = false; button.textContent = "发布"; }
    }

    function send() {
      if (input && sha && sha.value) { input.disabled = true; } // the photo is in already
      lock("正在发布…");
      form.submit();
    }

    if (input && sha) {
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!file) { return; }
        if (state.uploading) { state.uploading.abort(); }
        if (/^image\/(jpeg|png|webp|gif)$/.test(file.type)) {
          showPhoto(URL.createObjectURL(file)); // at once; replaced by the stored one
        }
        upload(file);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (state.uploading) {
        state.submitWhenDone = true;
        lock("照片上传完成后自动发布…");
        return;
      }
      if (state.failed && input && !sha.value) {
        say(status.textContent || "请重新选择照片", true);
        return;
      }
      send();
    });

    window.addEventListener("pageshow", function () { unlock(); if (input) { input.disabled = false; } });
    setupWindow(form);
    setupNotice(form);
    setupDay(form, sha);
  }

  // Custom start and end times only when "自定义" is chosen.
  function setupWindow(form) {
    var choice = form.querySelector("[data-window-choice]");
    var custom = form.querySelector("[data-custom-window]");
    if (!choice || !custom) { return; }
    function update() { custom.hidden = choice.value !== "custom"; }
    choice.addEventListener("change", update);
    update();
  }

  // The notice preview follows the title, the text and the urgent choice.
  function setupNotice(form) {
    var inputs = form.querySelectorAll("[data-notice-input]");
    if (!inputs.length) { return; }
    var choice = form.querySelector("[data-window-choice]");
    function update() {
      var title = form.querySelector("[data-notice-input=title]").value.trim();
      var text = form.querySelector("[data-notice-input=text]").value.trim() || "通知内容";
      var urgent = !!(form.querySelector("[data-urgent-choice]:checked") || {}).value;
      each(form, "[data-notice-title]", function (el) { el.textContent = title; });
      each(form, "[data-notice-text]", function (el) { el.textContent = text; });
      each(form, "[data-notice-screen]", function (screen) {
        screen.classList.toggle("urgent-mode", urgent);
        screen.classList.toggle("with-band", !urgent);
        var run = screen.querySelector(".run");
        var line = screen.querySelector(".line");
        // As the band does: a line up to three band widths runs across at 5 characters a
        // second; a longer one is shown a page at a time.
        line.classList.remove("paged");
        var paged = line.scrollWidth > 3 * run.clientWidth;
        line.classList.toggle("paged", paged);
        var chars = (title + text).length;
        var seconds = Math.max(4, (chars + 20) / 5);
        line.style.animationDuration = seconds + "s";
      });
    }
    Array.prototype.forEach.call(inputs, function (el) { el.addEventListener("input", update); });
    each(form, "[data-urgent-choice]", function (el) {
      el.addEventListener("change", function () {
        // An urgent insert covers the screen: offer an end instead of "forever".
        if (el.checked && el.value && choice && choice.value === "always") {
          choice.value = "hour";
          choice.dispatchEvent(new Event("change"));
        }
        update();
      });
    });
    update();
  }

  // A holiday poster's day: a new day reloads the page (its holiday, its warning) while no
  // photo is chosen yet.
  function setupDay(form, sha) {
    var day = form.querySelector("input[name=day]");
    if (!day) { return; }
    day.addEventListener("change", function () {
      if (day.value && !(sha && sha.value)) {
        window.location.href = "/console/publish/holiday?day=" + encodeURIComponent(day.value);
      }
    });
  }

  each(document, "form[data-publish]", setup);
})();
