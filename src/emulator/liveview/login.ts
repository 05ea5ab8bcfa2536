// The page shown (with 401) to a browser that has neither the cookie nor the token. It echoes nothing the
// visitor sent; `problem` is always one of our own sentences.
export function loginPage(problem?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Web PubSub emulator · live view</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f6f9;color:#1d2533;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border:1px solid #dde2ea;border-radius:10px;padding:28px 32px;max-width:440px;box-shadow:0 4px 16px rgba(20,30,50,.06)}
h1{font-size:18px;margin:0 0 8px}p{margin:0 0 16px;color:#4a5568}
input{width:100%;box-sizing:border-box;font:inherit;padding:8px 10px;border:1px solid #c6cdd8;border-radius:6px;margin-bottom:12px}
button{font:inherit;background:#2563eb;color:#fff;border:0;border-radius:6px;padding:8px 16px;cursor:pointer}
.problem{color:#b42318;background:#fef3f2;border:1px solid #fecdca;border-radius:6px;padding:8px 10px}
code{background:#eef1f5;padding:1px 4px;border-radius:4px}
</style></head>
<body><main>
<h1>Web PubSub emulator · live view</h1>
${problem === undefined ? "" : `<p class="problem" role="alert">${problem}</p>`}
<p>The live view is for whoever may use this emulator. Open the URL the emulator printed (it carries a
token), or paste the emulator's access key or that token here.</p>
<form method="post" action="/ui/login">
<input type="password" name="key" autocomplete="off" placeholder="access key or token" aria-label="access key or token" required>
<button type="submit">Open the live view</button>
</form>
</main></body></html>
`;
}
