"""Build of the optional compiled PI kernel and CSV/JSONL cell tokenizer; everything else
is in pyproject.toml.

`optional=True`: without a C compiler the install still succeeds and the privacy scan
falls back to the polars engine (slower, same findings) and de-identification of CSV and
JSON Lines to the Python tokenizers (slower, same bytes written).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tianping.privacy._pikernel",
            ["src/tianping/privacy/_pikernel.c"],
            extra_compile_args=["-O3", "-Wall", "-Wno-unused-function"],
            optional=True,
        ),
        Extension(
            "tianping.privacy._celltok",
            ["src/tianping/privacy/_celltok.c"],
            extra_compile_args=["-O3", "-Wall"],
            optional=True,
        ),
    ]
)
