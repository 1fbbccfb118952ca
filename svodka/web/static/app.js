// svodka serve, the QA page: files are sent one at a time, each with its progress (upload,
// then reading), and the report of all of them opens when the last one is read.  Without
// JavaScript the form posts every file at once and the server answers with the report.
"use strict";

(function () {
  const form = document.getElementById("upload-form");
  if (!form) {
    return;
  }
  const input = document.getElementById("files");
  const drop = document.getElementById("drop");
  const chosen = document.getElementById("chosen");
  const list = document.getElementById("progress");
  const button = document.getElementById("check");

  function showChosen() {
    const names = Array.from(input.files).map((f) => f.name);
    chosen.textContent = names.length ? "Выбрано: " + names.join(", ") : "";
  }

  input.addEventListener("change", showChosen);
  ["dragenter", "dragover"].forEach((name) => drop.addEventListener(name, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => {
    drop.classList.remove("over");
  }));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    input.files = event.dataTransfer.files;
    showChosen();
  });

  function item(file) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name;
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("span");
    bar.appendChild(fill);
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "ждёт";
    li.append(name, bar, state);
    list.appendChild(li);
    return { li: li, fill: fill, state: state };
  }

  function describe(result) {
    if (result.line) {
      return result.line;
    }
    let text = "прочитан: ошибок " + result.errors + ", предупреждений " + result.warnings;
    if (result.store_error) {
      text += " (в базу не записан: " + result.store_error + ")";
    }
    return text;
  }

  function send(file, password, view) {
    return new Promise((resolve) => {
      const data = new FormData();
      data.append("files", file, file.name);
      if (password) {
        data.append("password", password);
      }
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/upload");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          const percent = Math.round((100 * event.loaded) / event.total);
          view.fill.style.width = percent + "%";
          view.state.textContent = "загрузка " + percent + " %";
        }
      });
      xhr.upload.addEventListener("load", () => {
        view.li.classList.add("reading");
        view.state.textContent = "читается и проверяется…";
      });
      xhr.addEventListener("load", () => {
        view.li.classList.remove("reading");
        view.fill.style.width = "100%";
        let answer = null;
        try {
          answer = JSON.parse(xhr.responseText);
        } catch (e) {
          answer = null;
        }
        if (xhr.status === 200 && Array.isArray(answer)) {
          view.state.textContent = describe(answer[0]);
          view.li.classList.add(answer[0].line ? "failed" : "done");
          resolve(answer[0].sha256);
          return;
        }
        const message = answer && answer.message ? answer.message : "ошибка " + xhr.status;
        view.state.textContent = file.name + ": " + message;
        view.state.classList.add("failure-line");
        resolve(null);
      });
      xhr.addEventListener("error", () => {
        view.state.textContent = file.name + ": нет связи с сервером";
        view.state.classList.add("failure-line");
        resolve(null);
      });
      xhr.send(data);
    });
  }

  form.addEventListener("submit", async (event) => {
    const files = Array.from(input.files);
    if (!files.length) {
      event.preventDefault();
      chosen.textContent = "Сначала выберите файл";
      return;
    }
    event.preventDefault();
    button.disabled = true;
    list.textContent = "";
    const password = form.elements.password.value;
    const views = files.map(item);
    const shas = [];
    for (let i = 0; i < files.length; i += 1) {
      const sha = await send(files[i], password, views[i]);
      if (sha) {
        shas.push(sha);
      }
    }
    button.disabled = false;
    if (shas.length) {
      const query = shas.map((s) => "d=" + encodeURIComponent(s)).join("&");
      window.location.assign("/report?" + query);
    }
  });
})();
