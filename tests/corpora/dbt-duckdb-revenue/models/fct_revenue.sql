with completed as (
    select * from {{ ref('orders') }} where status = 'completed'
)

select
    c.region,
    sum(o.amount) as revenue,
    count(*) as order_count
from completed as o
join {{ ref('customers') }} as c on o.customer_id = c.id
group by c.region
