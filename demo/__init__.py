# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo data of the Telco CRM, one file per module.

Two Tunisian operators (Ooredoo Tunisie with every feature, Tunisie Telecom
without claims and dashboard), their staff and a platform administrator;
each module's file adds its records for the operators subscribed to its
feature, as the user of the role who would enter them in the web client.
Only the files of the activated modules run.

Every record is looked up (by code, login or name) before it is created, so
running the demo again neither fails nor duplicates anything.

    python -m demo -c var/demo.conf -d telco_demo

(scripts/demo.sh activates the modules and runs it.)"""
