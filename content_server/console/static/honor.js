// The honor-roll form: add a person, move one up or down, remove one; each photo is uploaded
// as soon as it is chosen (the poster pages' upload), and 发布 waits for photos on their way.
(function () {
  "use strict";
  var form = document.querySelector("form[data-honor-form]");
  if (!form) { return; }
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var list = form.querySelector("[data-entries]");
  var template = form.querySelector("[data-entry-template]");
  var button = form.querySelector("[data-publish-button]");
  var uploading = 0;
  var submitWhenDone = false;

  function cards() { return Array.prototype.slice.call(list.querySelectorAll("[data-entry]")); }

  function renumber() {
    var all = cards();
    all.forEach(function (card, index) {
      card.querySelector("[data-number]").textContent = String(index + 1);
      card.querySelector("[data-move='-1']").disabled = index === 0;
      card.querySelector("[data-move='1']").disabled = index === all.length - 1;
      card.querySelector("[data-remove]").disabled = all.length === 1;
    });
  }

  function add() {
    var card = template.content.firstElementChild.cloneNode(true);
    list.appendChild(card);
    renumber();
    card.querySelector("input[name=name]").focus();
    card.scrollIntoView({ block: "center" });
  }

  function uploadPhoto(card, file) {
    var sha = card.querySelector("[data-entry-photo]");
    var img = card.querySelector("[data-entry-img]");
    var status = card.querySelector("[data-entry-status]");
    var body = new FormData();
    body.append("file", file);
    var request = new XMLHttpRequest();
    sha.value = "";
    uploading += 1;
    status.textContent = "正在上传…";
    status.classList.remove("bad");
    request.open("POST", "/console/publish/upload");
    request.setRequestHeader("X-CSRF-Token", csrf);
    request.upload.onprogress = function (event) {
      if (event.lengthComputable) {
        status.textContent = "正在上传 " + Math.floor(event.loaded * 100 / event.total) + "%…";
      }
    };
    request.onload = function () {
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
      if (request.status === 201 && answer && answer.sha256) {
        sha.value = answer.sha256;
        img.src = answer.url;
        img.hidden = false;
        status.textContent = "照片已上传";
        card.querySelector(".entry-photo-button").firstChild.textContent = "换照片";
      } else if (request.status === 403 && !answer) {
        bad("页面已过期，请刷新页面后重试");
      } else {
        bad(answer && answer.detail ? answer.detail : "上传失败，请重新选择照片");
      }
      finished();
    };
    request.onerror = function () { bad("网络中断，照片没有上传成功，请重新选择"); finished(); };
    request.send(body);

    function bad(text) { status.textContent = text; status.classList.add("bad"); }
  }

  function finished() {
    uploading -= 1;
    if (uploading === 0 && submitWhenDone) {
      submitWhenDone = false;
      button.textContent = "正在发布…";
      form.submit();
    }
  }

  list.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) { return; }
    var card = target.closest("[data-entry]");
    if (target.hasAttribute("data-remove")) {
      var name = card.querySelector("input[name=name]").value.trim();
      if (!window.confirm("删除" + (name ? "“" + name + "”" : "这一位") + "？")) { return; }
      card.remove();
    } else if (target.getAttribute("data-move") === "-1" && card.previousElementSibling) {
      list.insertBefore(card, card.previousElementSibling);
    } else if (target.getAttribute("data-move") === "1" && card.nextElementSibling) {
      list.insertBefore(card.nextElementSibling, card);
    }
    renumber();
    target.focus();
  });
  list.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-entry-file]") && input.files && input.files[0]) {
      uploadPhoto(input.closest("[data-entry]"), input.files[0]);
      input.value = "";
    }
  });
  form.querySelector("[data-add-entry]").addEventListener("click", add);
  form.addEventListener("submit", function (event) {
    if (uploading) {
      event.preventDefault();
      submitWhenDone = true;
      button.disabled = true;
      button.textContent = "照片上传完成后自动发布…";
      return;
    }
    button.disabled = true;
    button.textContent = "正在发布…";
  });
  window.addEventListener("pageshow", function () { button.disabled = false; button.textContent = "发布"; });

  var choice = form.querySelector("[data-window-choice]");
  var custom = form.querySelector("[data-custom-window]");
  if (choice && custom) {
    var update = function () { custom.hidden = choice.value !== "custom"; };
    choice.addEventListener("change", update);
    update();
  }
  renumber();
})();
