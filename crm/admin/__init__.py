"""The CRM side of the staff workspace (Django admin).

One module per page family: ``organizations``, ``contacts`` (with the contact page and its
quick adds in ``contact_page`` and the spreadsheets in ``contact_transfer``), ``appointments``
(and the calendar), ``records`` (notes, messages, tasks); their ``bases`` (which the LMS admin
uses too) and ``filters``. Other apps add sections to the contact page through
crm/contact_sections.py and lines to its timeline through crm/timeline.py; crm never imports
them.
"""

from crm.admin import appointments, contacts, organizations, records  # noqa: F401 - registers
