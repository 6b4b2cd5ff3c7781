// The admin UI works without this script; it only adds a copy button beside one-time secrets.
document.querySelectorAll("input[data-copy]").forEach(function (input) {
  var button = document.createElement("button");
  button.type = "button";
  button.className = "small secondary";
  button.textContent = "Copy";
  button.addEventListener("click", function () {
    input.select();
    navigator.clipboard.writeText(input.value).then(function () {
      button.textContent = "Copied";
    });
  });
  input.insertAdjacentElement("afterend", button);
});
