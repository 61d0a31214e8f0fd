# Two commands on a fresh machine: `make run` (set up, convert data/raw into data/clean)
# and `make test` (set up, run the tests). Everything they need is installed here.
VENV ?= .venv
PY := $(VENV)/bin/python
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie ghostscript poppler-utils fonts-dejavu-core fonts-liberation2 fonts-noto-mono
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system venv run ingest notebook test bench clean

setup: system venv

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

run: setup
	$(VENV)/bin/cchc convert data/raw --out data/clean

ingest: setup
	$(VENV)/bin/cchc ingest data/raw --out data/clean/ingest

# The notebook, executed on the output of `make run`, into data/clean/overview.ipynb (the committed one stays without outputs).
notebook: run
	$(PY) -c "import nbformat; from nbclient import NotebookClient; nb = nbformat.read('notebooks/overview.ipynb', 4); \
	NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': 'notebooks'}}).execute(); \
	nbformat.write(nb, 'data/clean/overview.ipynb')"
	@echo "executed notebook: data/clean/overview.ipynb"

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.font_repair
	$(PY) -m benchmarks.ingest
	$(PY) -m benchmarks.mapping

clean:
	rm -rf data/clean/*.parquet data/clean/ingest benchmarks/out .pytest_cache
