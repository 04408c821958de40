select id, customer_id, status, amount, ordered_at
from {{ ref('raw_orders') }}
