"""Schema migrations, one module per step: `vNNNN_topic.py` with `upgrade(op)`; see
storage/migrate.py. Numbers only grow; never edit a migration that has shipped."""
