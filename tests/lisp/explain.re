^  <env 0x[0-9a-f]+> refcount [0-9]+, held from outside the heap graph
^  -> <dict 0x[0-9a-f]+> refcount 1, field 'vars' of <env 0x[0-9a-f]+>$
^  -> <closure 0x[0-9a-f]+> refcount 1, value of key 'box' in <dict 0x[0-9a-f]+>$
^  -> <env 0x[0-9a-f]+> refcount 1, field 'env' of <closure 0x[0-9a-f]+>$
^  -> <cons 0x[0-9a-f]+> refcount 1, value of key 'v' in <dict 0x[0-9a-f]+>$
^  -> <cons 0x[0-9a-f]+> refcount 2, field 'cdr' of <cons 0x[0-9a-f]+>$
