;; (explain x) prints ohm_gc_explain's answer to "why is x alive?": the chain of
;; references from a root down to x. Our types name their fields (edge_name) and an
;; env's variables are keyed by their names, so the chain reads as the program does.
;; explain.re checks each step of the chain (the addresses change from run to run).
(define (make-box v) (lambda () v))
(define box (make-box (list 1 2 3)))
(explain (cdr (box)))
