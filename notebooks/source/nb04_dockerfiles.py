"""Section 4: Dockerfiles — the Flask backend, the React frontend, -f Dockerfile.dev, multi-stage with nginx."""

from pathlib import Path

from ._cells import code, md

NAME = "04-dockerfiles.ipynb"
APPS = Path(__file__).resolve().parents[1] / "apps"


def _file(rel):
    # The cells carry the committed files word for word, so running the notebook (which saves
    # the cell as the Dockerfile, like %%writefile) leaves the sample apps unchanged.
    return (APPS / rel).read_text()


CELLS = [
    md("""
# 4. Dockerfiles: building your own images

So far every image came ready-made (`hello-world`, `postgres:13`). Your own application — a React
frontend and a Python/Flask backend, as in the tutorial — needs its own mould. The instructions for it
are a **Dockerfile**: start from a base image, copy your code in, install what it needs, say which
command starts it. `docker build` follows the instructions and produces an **image**; `docker run`
makes containers from it, as before.

In this notebook the cell magic `%%dockerfile` takes the place of "save the file, then run
`docker build`": the cell *is* the Dockerfile, and its first line takes `docker build`'s options.
"""),
    code("%load_ext dockermagic"),
    md("Remove what an earlier, interrupted run may have left: this notebook's containers and image tags."),
    code("""
import docker

engine = docker.from_env()
TAGS = ["backend:latest", "frontend:dev", "frontend:builder", "frontend:latest"]


def remove_leftovers():
    for c in engine.containers.list(all=True, filters={"name": "nb04-"}):
        c.remove(force=True, v=True)
    for tag in TAGS:
        try:
            # noprune: the tag goes, the cached layers stay, so the next build is quick.
            engine.images.remove(tag, force=True, noprune=True)
        except docker.errors.ImageNotFound:
            pass


remove_leftovers()
print("Clean start.")
"""),
    md("""
## The backend: Python and Flask

The sample apps live next to this notebook in `apps/`. The backend is a small Flask program, `run.py`,
and the list of Python packages it needs, `requirements.txt`:
"""),
    code("""
from pathlib import Path

print(Path("apps/backend/requirements.txt").read_text())
print(Path("apps/backend/run.py").read_text())
"""),
    md("""
Its Dockerfile, line by line:

* `FROM python:3.9-slim` — the base image: a small Linux with Python 3.9 already installed.
* `WORKDIR /app` — the folder inside the image where the next instructions work (created if missing).
* `COPY requirements.txt .` then `RUN pip install -r requirements.txt` — the dependencies first, on their
  own (why: see *the build cache* below).
* `COPY . .` — the rest of the code, from the **build context** (the folder you build from) into `/app`.
* `EXPOSE 5000` — documents the port the app listens on; publishing it is still `-p`'s job.
* `CMD ["python", "run.py"]` — the command a container runs when it starts.

`docker build -t backend:latest apps/backend` would build it from a terminal. Here: `-t` names the image
(`name:tag`, like `python:3.9-slim`), `--context` is the build context. The cell is saved as
`apps/backend/Dockerfile` and built. (A Dockerfile that is already there with other text, one you
wrote yourself, is not replaced: `%%dockerfile` says so, and `--overwrite` replaces it on purpose.) While it runs, one line shows the current step and the time so far;
when it ends, the result describes the new image.
"""),
    code("%%dockerfile -t backend:latest --context apps/backend\n" + _file("backend/Dockerfile")),
    md("""
### The build output, explained

The result above keeps every line the builder printed in `.log` (in the next cell `_`, IPython's name for
the previous cell's result, picks it up). Today's `docker build` uses **BuildKit**, Docker's current
builder, and so does `%%dockerfile` wherever the engine has it. Read its lines from the top:

* **`Sending build context to the engine`** — dockermagic's own first line: the size of the folder the
  builder may read from. Files listed in a `.dockerignore` next to the Dockerfile are left out; a large
  context (say, a data folder) makes every build slow, and you get a warning about it.
* **`#3 [internal] load metadata for docker.io/library/python:3.9-slim`** — BuildKit numbers each piece
  of work (`#3`). The base image comes from the engine's own images when it has them.
* **`#6 [3/5] COPY requirements.txt .`** — a *step*: an instruction that makes a layer (`FROM`, `RUN`,
  `COPY`, `ADD`), numbered. `WORKDIR` is a step too; `EXPOSE` and `CMD` only set the image's settings.
* **`#7 1.234 Collecting flask`** — what a `RUN` step's command prints (here pip), after the seconds
  since the step started.
* **`#7 DONE 9.8s`** — the step is finished and its result saved as a *layer*; the image is the stack of layers.
* **`#7 CACHED`** — the step and everything it depends on are unchanged, so the saved layer is reused.
  If this image was built before (say, on a second run of this notebook), most steps say this: see
  *the build cache* below.
* **`writing image sha256:…`** and **`naming to docker.io/library/backend:latest`** — the new image and its name.

The tutorial's videos show the older builder's output (`Step 3/7 : COPY requirements.txt .`,
`---> Running in …`, `---> Using cache`): `%%dockerfile --builder legacy` (or `DOCKER_BUILDKIT=0
docker build` in a terminal) still gives it. BuildKit also knows instructions the older builder does
not, such as `RUN --mount=type=cache,…` (a cache folder kept between builds, e.g. for pip's downloads).
"""),
    code("""
backend_build = _
print(*backend_build.log[:12], sep="\\n")
print("...")
print(f"{backend_build.steps} steps, {backend_build.cache_hits} from cache, {backend_build.seconds:.1f} s")
"""),
    md("""
`docker history` lists the layers of an image, newest first, with the instruction that made each one.
The base image's own layers are at the bottom.
"""),
    code("backend_build.history"),
    md("""
### The build cache

Build again without changing anything: every step comes from the cache and the build takes a moment.
Had we copied all the code *before* `pip install`, any edit to `run.py` would re-run the slow install;
copying `requirements.txt` first means the install is redone only when the dependencies change.
"""),
    code("%docker build -t backend:latest apps/backend"),
    md("""
The image runs like any other. The backend answers on port 5000; `-p 127.0.0.1:5000:5000` publishes it
on this machine only, as in notebook 2.
"""),
    code("%docker run -d --name nb04-backend -p 127.0.0.1:5000:5000 backend:latest"),
    code("""
import json
import time
import urllib.request


def wait_http(url, timeout=60):
    \"\"\"The page at url, once the server in the container answers.\"\"\"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


json.loads(wait_http("http://127.0.0.1:5000/"))
"""),
    md("""
## The frontend: React, and a second Dockerfile with `-f`

The frontend is a small React app built with Vite. `package.json` lists its dependencies and scripts
(`npm start` runs a development server on port 3000, `npm run build` writes the finished site to
`build/`); `package-lock.json` pins the exact versions, so every build installs the same ones.
"""),
    code("""
print(Path("apps/frontend/package.json").read_text())
print(Path("apps/frontend/src/App.jsx").read_text())
"""),
    md("""
The tutorial's first frontend Dockerfile runs the **development server**: Node.js as the base image,
`npm install` (here `npm ci`, which installs exactly what the lock file says), then `npm start`.
We keep it under another name, `Dockerfile.dev`, because the plain `Dockerfile` will be the production
version. `-f Dockerfile.dev` saves the cell under that name, and the build uses it — exactly what
`docker build -f Dockerfile.dev -t frontend:dev .` does in a terminal, run from the frontend folder.

`apps/frontend/.dockerignore` leaves `node_modules` and `build` out of the context: the image makes its
own, and a local `node_modules` can weigh hundreds of megabytes.
"""),
    code("%%dockerfile -f Dockerfile.dev -t frontend:dev --context apps/frontend\n" + _file("frontend/Dockerfile.dev")),
    md("The terminal's form works too, with the same file; everything comes from the cache this time."),
    code("%docker build -f Dockerfile.dev -t frontend:dev apps/frontend"),
    md("""
Run the development server and look at the page it serves. The HTML loads `/src/main.jsx` straight
from the source code, plus `/@vite/client`, which reloads the page when a file changes: handy while you
write the app, not what you ship.
"""),
    code("%docker run -d --name nb04-frontend-dev -p 127.0.0.1:3000:3000 frontend:dev"),
    code("""
dev_page = wait_http("http://127.0.0.1:3000/")
print(dev_page)
"""),
    code("%docker rm -f nb04-frontend-dev"),
    md("""
## Multi-stage builds: build with Node.js, serve with Nginx

For production the site only needs its built files — a few static HTML, CSS and JS files — and a web
server. Node.js and `node_modules` are only needed to *make* those files. A **multi-stage** Dockerfile
says both:

1. `FROM node:14-alpine AS builder` — stage one, named `builder`: install, then `npm run build`.
2. `FROM nginx:stable-alpine` — stage two starts afresh from the Nginx web server image, and
   `COPY --from=builder /app/build /usr/share/nginx/html` takes just the built files from stage one.

Only the last stage becomes the image. Our version also copies a small Nginx configuration,
`nginx.conf`: it serves the files and passes requests for `/api/…` on to a server named `backend`,
which notebook 5 will provide. This one is the frontend's plain `Dockerfile`, so no `-f` is needed.
"""),
    code("%%dockerfile -t frontend:latest --context apps/frontend\n" + _file("frontend/Dockerfile")),
    md("""
The steps of stage one are the same as in `Dockerfile.dev` up to `npm ci`, so they come from the cache.

`--target` stops a multi-stage build after the stage you name. That is how you look inside the
builder stage, for example to debug it:
"""),
    code("%docker build --target builder -t frontend:builder apps/frontend"),
    code("%docker run --rm frontend:builder ls -l /app/build /app/build/assets"),
    md("""
Compare the sizes: the production image carries Nginx and a few kilobytes of site, not Node.js and
its packages. (Where no registry is reachable, dockermagic's local stand-ins are Debian-based, so all
three are bigger than the official Alpine images; the difference is the point.)
"""),
    code("""
import pandas as pd

pd.DataFrame([{"image": tag, "size_mb": round(engine.images.get(tag).attrs["Size"] / 1e6)}
              for tag in ["frontend:dev", "frontend:builder", "frontend:latest"]])
"""),
    code("%docker run -d --name nb04-frontend -p 127.0.0.1:8080:80 frontend:latest"),
    code("""
page = wait_http("http://127.0.0.1:8080/")
print(page)
"""),
    md("""
## When a build fails

A failing step stops the build and raises an error naming the step, its instruction and the last lines
it printed; in a notebook, "Run All" stops there. Nothing is left running (BuildKit runs a step without a
container; the older builder removes its temporary one).
Here the image has no `flask` installed, so importing it fails at step 2. To catch the error so that
this notebook can go on, the cell calls `build_from_text`, the plain Python function behind
`%%dockerfile`, inside `try`/`except`; `BuildFailed` is the error it raises:
"""),
    code("""
import tempfile

from dockermagic.engine.build import build_from_text
from dockermagic.errors import BuildFailed

with tempfile.TemporaryDirectory() as context:
    try:
        build_from_text('FROM python:3.9-slim\\nRUN python -c "import flask"\\n', client=engine, context=context)
    except BuildFailed as exc:
        print(exc)
"""),
    md("## Self-check"),
    code("""
backend = engine.images.get("backend:latest")
assert backend.attrs["Config"]["Cmd"] == ["python", "run.py"], "backend:latest should start run.py: rebuild it."
assert "5000/tcp" in backend.attrs["Config"]["ExposedPorts"], "backend:latest should EXPOSE 5000."
dev = engine.images.get("frontend:dev")
assert dev.attrs["Config"]["Cmd"] == ["npm", "start"], "frontend:dev should run the development server."
prod = engine.images.get("frontend:latest")
assert "80/tcp" in prod.attrs["Config"]["ExposedPorts"], "frontend:latest should be the Nginx stage (port 80)."
assert prod.attrs["Size"] < dev.attrs["Size"], "The multi-stage image should be smaller than the dev image."
assert (Path("apps/frontend/Dockerfile.dev")).exists(), "-f Dockerfile.dev should have saved the file."
assert json.loads(wait_http("http://127.0.0.1:5000/"))["service"] == "backend", "The backend does not answer."
assert '<div id="root">' in wait_http("http://127.0.0.1:8080/"), "Nginx does not serve the built React app."
assert "/@vite/client" not in page, "The production page should be the built site, not the dev server's."
print("Self-check passed: backend, frontend:dev and the multi-stage frontend:latest built and answering.")
"""),
    md("""
## Tidy up

Remove the containers and the tags this notebook made. The cached layers stay, so running the notebook
again is quick; `docker image prune` would clear dangling ones.
"""),
    code("""
remove_leftovers()
assert not engine.containers.list(all=True, filters={"name": "nb04-"})
assert not [t for t in TAGS if engine.images.list(name=t)], "Some tags are still there."
print("Removed this notebook's containers and tags:", ", ".join(TAGS))
"""),
]
