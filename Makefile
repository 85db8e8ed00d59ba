# Shortcuts for developers; the README's two commands do not need make.
.PHONY: demo test test-all lint format
demo:
	python3 dev.py demo
test:
	python3 dev.py test
test-all:
	python3 dev.py test --postgres
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
