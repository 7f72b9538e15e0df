# Two commands matter: `make run` (demo on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Django 6 needs Python >= 3.12; the system python3 may be older, so try the versioned names
# first, then pyenv's interpreters, and stop with a clear message if none fits.
define find_python
for c in python3.14 python3.13 python3.12 $$HOME/.pyenv/versions/3.14*/bin/python3 \
	$$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$c"; break; fi; \
done
endef

VENDOR := static/vendor

.PHONY: run test lint setup assets clean bench

setup: $(VENV)/.installed assets

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@py="$$($(find_python))"; \
	if [ -z "$$py" ]; then echo "需要 Python 3.12 或更高版本 (Django 6): 未找到 python3.12/python3.13。" >&2; exit 1; fi; \
	echo "Using $$py ($$("$$py" --version))"; \
	[ -x $(PY) ] || "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

assets: $(VENDOR)/.installed

# Front-end packages come from the npm registry (package-lock.json) and are served by the app.
# Each file that names a source map (sourceMappingURL) is copied with it: the production
# manifest storage (collectstatic) refuses a reference to a missing file.
$(VENDOR)/.installed: package.json package-lock.json Makefile
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/leaflet $(VENDOR)/markercluster \
		$(VENDOR)/idb $(VENDOR)/browser-image-compression
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
		node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/leaflet.markercluster.js.map \
		node_modules/leaflet.markercluster/dist/MarkerCluster.css \
		node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/markercluster/
	cp node_modules/idb/build/umd.js $(VENDOR)/idb/
	cp node_modules/browser-image-compression/dist/browser-image-compression.js \
		node_modules/browser-image-compression/dist/browser-image-compression.js.map $(VENDOR)/browser-image-compression/
	touch $@

run: setup
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py seed_demo --if-empty
	DEBUG=1 HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# City-scale benchmarks (DESIGN.md §7), not part of `make test`: PostgreSQL when DATABASE_URL is
# set, else var/bench_<scale>.sqlite3; the data set is generated on first use and then reused.
# BENCH_SCALE=small for a quick smoke run. Writes bench/results.json and bench/RESULTS.md.
# ONLY=load. (name prefixes, space-separated) runs a part; it writes to var/bench-partial/.
BENCH_SCALE ?= city
ONLY ?=
bench: setup
	BENCH_SCALE=$(BENCH_SCALE) BENCH_ONLY="$(ONLY)" $(PY) bench/run.py

lint: setup
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
