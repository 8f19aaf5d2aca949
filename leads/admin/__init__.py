"""The leads side of the staff workspace.

Everything a visitor submitted (answers, early-access requests, messages, visits, events) is
read-only here; staff correct a lead's name and phone, mark messages responded and convert
leads into contacts, each through a service. Every changelist stays fast on a big table: an
estimated count, an index behind each default ordering, prefix search on email and phone.

One module per page family: ``leads`` (the lead list and page), ``submissions`` (what
visitors sent), with their ``bases`` and ``filters``.
"""

from leads.admin import leads, submissions  # noqa: F401 - registers the pages
