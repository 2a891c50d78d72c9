// Registers `GET /` (RootInfoHandler) on a 9.x node.
package fmrecsys;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.rest.RestHandler;

public class RootInfoPlugin extends RootInfoPluginBase {
    @Override
    public Collection<RestHandler> getRestHandlers(RestHandlersServices services, Supplier<DiscoveryNodes> nodes,
            Predicate<NodeFeature> features) {
        return List.of(new RootInfoHandler(services.settings(), () -> clusterService));
    }
}
