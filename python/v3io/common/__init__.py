"""The official SDK's ``v3io.common`` package (``helpers``)."""
