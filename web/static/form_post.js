// Posts the answer of a response_mode=form_post authorization to the client at once.
document.getElementById("form-post").submit();
