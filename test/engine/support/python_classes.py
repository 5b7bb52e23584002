"""Parses every .py file under a directory with ast; prints one JSON object of their classes.

Usage: python3 python_classes.py DIR. A file that is not valid Python fails the run (exit 1,
the SyntaxError on stderr). For each top-level class: its file (relative to DIR), bases and
decorators as source text, its docstring, the docstring of its __init__, the string constants it
assigns (enum members: NAME -> value) and the docstring under each annotated field (TypedDict
style: `name: type` then a string). Needs only the standard library (no pulumi package).
"""
import ast
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
files = sorted(root.rglob("*.py"))
classes = []
for path in files:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        init_doc = None
        members = {}
        field_docs = {}
        body = node.body
        for i, item in enumerate(body):
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                init_doc = ast.get_docstring(item)
            elif (
                isinstance(item, ast.Assign)
                and len(item.targets) == 1
                and isinstance(item.targets[0], ast.Name)
                and isinstance(item.value, ast.Constant)
                and isinstance(item.value.value, str)
            ):
                members[item.targets[0].id] = item.value.value
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                after = body[i + 1] if i + 1 < len(body) else None
                doc = None
                if (
                    isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)
                ):
                    doc = after.value.value
                field_docs[item.target.id] = doc
        classes.append(
            {
                "file": path.relative_to(root).as_posix(),
                "name": node.name,
                "bases": [ast.unparse(b) for b in node.bases],
                "decorators": [ast.unparse(d) for d in node.decorator_list],
                "docstring": ast.get_docstring(node),
                "initDoc": init_doc,
                "members": members,
                "fieldDocs": field_docs,
            }
        )
print(json.dumps({"files": [p.relative_to(root).as_posix() for p in files], "classes": classes}))
