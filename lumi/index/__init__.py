"""One index = one LMDB environment: documents, ids, fields, settings and the search
structures, written only by the scheduler process and read by every web worker.
"""
