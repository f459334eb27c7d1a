"""Generated tables in Markdown documents: the text between `<!-- begin NAME -->` and
`<!-- end NAME -->` is replaced (README.md and docs/networks.md hold the tables that
tools/run_networks.py and tools/fmnist_accuracy.py write with --update-docs)."""
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = [os.path.join(REPO, "README.md"), os.path.join(REPO, "docs", "networks.md")]


def replace_between(path, name, text):
    """Puts `text` between the markers of table `name` in `path`; False when absent."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    with open(path) as f:
        doc = f.read()
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < i:
        return False
    doc = doc[:i + len(begin)] + "\n" + text.rstrip("\n") + "\n" + doc[j:]
    with open(path + ".tmp", "w") as f:
        f.write(doc)
    os.replace(path + ".tmp", path)
    return True


def update_docs(name, text, say):
    for path in DOCS:
        if replace_between(path, name, text):
            say(f"updated {os.path.relpath(path, REPO)} ({name})")
        else:
            say(f"{os.path.relpath(path, REPO)} has no '<!-- begin {name} -->' marker; left alone")
